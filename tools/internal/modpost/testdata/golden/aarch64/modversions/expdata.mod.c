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

SYMBOL_CRC(thing_a, 0xa1a1a1a1);
SYMBOL_CRC(thing_b, 0x0000b2b2);
SYMBOL_CRC(thing_count, 0x000000c3);
SYMBOL_CRC(thing_buf, 0xd4d4d4d4);

static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x1a2b3c4d, "module_layout" },
};

static const u32 ____version_ext_crcs[]
__used __section("__version_ext_crcs") = {
	0x1a2b3c4d,
};
static const char ____version_ext_names[]
__used __section("__version_ext_names") =
	"module_layout\0"
;

MODULE_INFO(depends, "");

