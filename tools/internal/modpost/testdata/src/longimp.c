#include "exp.h"

/* Imports a vmlinux symbol whose name is MODULE_NAME_LEN (56) bytes or
 * longer, which only the extended version tables can hold. */
extern int vm_a_very_long_symbol_name_that_does_not_fit_in_modversion_info(void);
extern int vm_func(int);

int init_module(void)
{
	return vm_a_very_long_symbol_name_that_does_not_fit_in_modversion_info() + vm_func(0);
}

MODINFO(license, "GPL");
MODINFO(description, "long import");
