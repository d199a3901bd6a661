/* Test stand-in for the kernel's <linux/errno.h>. */
#ifndef KSTUB_ERRNO_H
#define KSTUB_ERRNO_H
#define ENODEV 19
#endif
