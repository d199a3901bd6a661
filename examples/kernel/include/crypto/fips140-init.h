/*
 * Stand-in for the seed series' initcall macros: in the fips140 module each
 * level's function pointers go to .fips_initcall0/1/2, which fips140.lds
 * keeps in level order. Elsewhere they are ordinary module_init calls.
 */
#ifndef EXAMPLE_CRYPTO_FIPS140_INIT_H
#define EXAMPLE_CRYPTO_FIPS140_INIT_H

#include <linux/module.h>

#ifdef FIPS_MODULE
#define __fips_initcall(level, fn)                                          \
	static initcall_t __PASTE(__fips_, fn) __used                       \
		__section(".fips_initcall" #level) = fn
#define crypto_subsys_initcall(fn) __fips_initcall(0, fn)
#define crypto_module_init(fn) __fips_initcall(1, fn)
#define crypto_late_initcall(fn) __fips_initcall(2, fn)
#else
#define crypto_subsys_initcall(fn) module_init(fn)
#define crypto_module_init(fn) module_init(fn)
#define crypto_late_initcall(fn) module_init(fn)
#endif

#endif
