/*
 * Stand-in: EXPORT_SYMBOL records in .export_symbol, as modpost reads them:
 * a label, the license string, the namespace string, then an 8-aligned
 * pointer to the symbol (docs/modpost-facts.md).
 */
#ifndef EXAMPLE_LINUX_EXPORT_H
#define EXAMPLE_LINUX_EXPORT_H

#include <linux/compiler.h>

#define __EXPORT_SYMBOL(sym, license, ns)                                   \
	__asm__(".section \".export_symbol\",\"a\"\n"                       \
		"__export_symbol_" #sym ":\n"                               \
		".asciz \"" license "\"\n"                                  \
		".asciz \"" ns "\"\n"                                       \
		".balign 8\n"                                               \
		".quad " #sym "\n"                                          \
		".previous\n")

#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym, "", "")
#define EXPORT_SYMBOL_GPL(sym) __EXPORT_SYMBOL(sym, "GPL", "")

#endif
