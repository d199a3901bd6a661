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

SYMBOL_CRC(exporter_counter, 0x11111111);
SYMBOL_CRC(exporter_table, 0x22222222);
SYMBOL_CRC(exporter_add, 0x00000000);
SYMBOL_CRC(exporter_weak, 0x33333333);
SYMBOL_CRC(exporter_friends_only, 0x44444444);

static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x0badf00d, "vm_func" },
	{ 0x1a2b3c4d, "module_layout" },
};

static const u32 ____version_ext_crcs[]
__used __section("__version_ext_crcs") = {
	0x0badf00d,
	0x1a2b3c4d,
};
static const char ____version_ext_names[]
__used __section("__version_ext_names") =
	"vm_func\0"
	"module_layout\0"
;

MODULE_INFO(depends, "");

