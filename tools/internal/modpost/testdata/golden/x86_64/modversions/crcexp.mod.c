#include <linux/module.h>
#include <linux/export-internal.h>
#include <linux/compiler.h>

MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
	.arch = MODULE_ARCH_INIT,
};

KSYMTAB_FUNC(crc_plain, "");
SYMBOL_FLAGS(crc_plain, 0x00);
KSYMTAB_FUNC(crc_gpl, "");
SYMBOL_FLAGS(crc_gpl, 0x01);
KSYMTAB_FUNC(crc_missing, "");
SYMBOL_FLAGS(crc_missing, 0x00);
KSYMTAB_DATA(crc_value, "CRC_NS");
SYMBOL_FLAGS(crc_value, 0x00);

SYMBOL_CRC(crc_plain, 0x23456789);
SYMBOL_CRC(crc_gpl, 0xffffffff);
SYMBOL_CRC(crc_missing, 0x00000000);
SYMBOL_CRC(crc_value, 0x0000abcd);

static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x00c0ffee, "vm_data" },
	{ 0x0badf00d, "vm_func" },
	{ 0x1a2b3c4d, "module_layout" },
};

static const u32 ____version_ext_crcs[]
__used __section("__version_ext_crcs") = {
	0x00c0ffee,
	0x0badf00d,
	0x1a2b3c4d,
};
static const char ____version_ext_names[]
__used __section("__version_ext_names") =
	"vm_data\0"
	"vm_func\0"
	"module_layout\0"
;

MODULE_INFO(depends, "exporter");

