/*
 * Stand-in: what modpost's generated .mod.c uses to list a module's exports.
 * The example's vmlinux does not load modules, so these only need to build.
 */
#ifndef EXAMPLE_LINUX_EXPORT_INTERNAL_H
#define EXAMPLE_LINUX_EXPORT_INTERNAL_H

#include <linux/compiler.h>

#define KSYMTAB_FUNC(name, ns)                                              \
	static const char __PASTE(__kstrtab_, name)[] __used                \
		__section("__ksymtab_strings") = #name
#define KSYMTAB_DATA(name, ns) KSYMTAB_FUNC(name, ns)
#define SYMBOL_FLAGS(name, flags)                                           \
	static const unsigned char __PASTE(__kflags_, name) __used          \
		__section("__kflagstab") = flags

#endif
