/* Stand-in: string helpers. */
#ifndef EXAMPLE_LINUX_STRING_H
#define EXAMPLE_LINUX_STRING_H

#include <linux/kernel.h>

long strscpy(char *dst, const char *src, size_t size);

#endif
