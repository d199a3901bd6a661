#include <linux/module.h>
#include <linux/export-internal.h>
#include <linux/compiler.h>

MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.arch = MODULE_ARCH_INIT,
};

KSYMTAB_DATA(thing_a, "THINGS");
SYMBOL_FLAGS(thing_a, 0x00);
KSYMTAB_DATA(thing_b, "THINGS");
SYMBOL_FLAGS(thing_b, 0x01);
KSYMTAB_FUNC(thing_count, "");
SYMBOL_FLAGS(thing_count, 0x00);
KSYMTAB_DATA(thing_buf, "");
SYMBOL_FLAGS(thing_buf, 0x01);

MODULE_INFO(depends, "");

