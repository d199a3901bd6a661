/* Stand-in: section markers and initcalls. */
#ifndef EXAMPLE_LINUX_INIT_H
#define EXAMPLE_LINUX_INIT_H

#include <linux/compiler.h>

#define __init __section(".init.text")
#define __exit __section(".exit.text")
#define __ref __attribute__((__section__(".ref.text"), __noinline__))

typedef int (*initcall_t)(void);

#endif
