/* Stand-in for the kernel's <linux/errno.h>. */
#ifndef EXAMPLE_LINUX_ERRNO_H
#define EXAMPLE_LINUX_ERRNO_H
#define ENODEV 19
#endif
