/* Test stand-in for the kernel's <linux/init.h>: the section markers only. */
#ifndef KSTUB_INIT_H
#define KSTUB_INIT_H
#define __init __attribute__((__section__(".init.text")))
#define __exit __attribute__((__section__(".exit.text")))
#define __ref __attribute__((__section__(".ref.text"), __noinline__))
#endif
