/* Test stand-in for the kernel's <linux/string.h>. */
#ifndef KSTUB_STRING_H
#define KSTUB_STRING_H
#include <stddef.h>
long strscpy(char *dst, const char *src, size_t size);
#endif
