/*
 * Stand-in: .modinfo strings, module_init/module_exit, and the struct module
 * that modpost's generated <mod>.mod.c fills in.
 */
#ifndef EXAMPLE_LINUX_MODULE_H
#define EXAMPLE_LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/init.h>

/* A module's .modinfo has "tag=value"; a built-in's has "modname.tag=value". */
#ifdef MODULE
#define __MODULE_INFO_PREFIX ""
#else
#define __MODULE_INFO_PREFIX __stringify(KBUILD_MODNAME) "."
#endif
#define MODULE_INFO(tag, info)                                              \
	static const char __UNIQUE_ID(tag)[] __used __section(".modinfo")   \
		__aligned(1) = __MODULE_INFO_PREFIX __stringify(tag) "=" info
#define MODULE_LICENSE(l) MODULE_INFO(license, l)
#define MODULE_DESCRIPTION(d) MODULE_INFO(description, d)
#define MODULE_ALIAS(a) MODULE_INFO(alias, a)

/* What module_init and module_exit define in a module; its .mod.c points at them. */
extern int init_module(void);
extern void cleanup_module(void);

#ifdef MODULE
#define module_init(fn) int init_module(void) __attribute__((__alias__(#fn)))
#define module_exit(fn) void cleanup_module(void) __attribute__((__alias__(#fn)))
#else
#define module_init(fn)                                                     \
	static initcall_t __PASTE(__initcall_, fn) __used                   \
		__section(".initcall6.init") = fn
#define module_exit(fn)
#endif

#define MODULE_ARCH_INIT {}
#define CONFIG_MODULE_UNLOAD 1

struct module {
	char name[56];
	int (*init)(void);
	void (*exit)(void);
	struct {
	} arch;
};

extern struct module __this_module;
#define THIS_MODULE (&__this_module)

#endif
