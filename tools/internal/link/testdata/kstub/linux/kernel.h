/* Test stand-in for the kernel's <linux/kernel.h>. */
#ifndef KSTUB_KERNEL_H
#define KSTUB_KERNEL_H
#include <stdbool.h>
#include <stddef.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
