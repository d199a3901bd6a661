/*
 * Test stand-in for the kernel's <linux/module.h>: module_init and
 * module_exit define init_module and cleanup_module as aliases, as they do
 * for a module.
 */
#ifndef KSTUB_MODULE_H
#define KSTUB_MODULE_H
struct module;
extern struct module __this_module;
#define THIS_MODULE (&__this_module)
#define module_init(fn) int init_module(void) __attribute__((__alias__(#fn)))
#define module_exit(fn) void cleanup_module(void) __attribute__((__alias__(#fn)))
#endif
