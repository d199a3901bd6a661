/* Stand-in: the few helpers the example uses. */
#ifndef EXAMPLE_LINUX_KERNEL_H
#define EXAMPLE_LINUX_KERNEL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
typedef __SIZE_TYPE__ size_t;
#define NULL ((void *)0)
#if __STDC_VERSION__ < 202311L
typedef _Bool bool;
#define true 1
#define false 0
#endif

#endif
