#include <linux/module.h>
#include <linux/export-internal.h>
#include <linux/compiler.h>

MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

KSYMTAB_DATA(exporter_counter, "");
SYMBOL_FLAGS(exporter_counter, 0x00);
KSYMTAB_DATA(exporter_table, "");
SYMBOL_FLAGS(exporter_table, 0x01);
KSYMTAB_FUNC(exporter_add, "DEMO_NS");
SYMBOL_FLAGS(exporter_add, 0x01);
KSYMTAB_FUNC(exporter_weak, "");
SYMBOL_FLAGS(exporter_weak, 0x00);
KSYMTAB_FUNC(exporter_friends_only, "module:user,friend*");
SYMBOL_FLAGS(exporter_friends_only, 0x01);

MODULE_INFO(depends, "");

