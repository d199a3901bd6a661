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



static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x11111111, "exporter_counter" },
	{ 0x00c0ffee, "vm_data" },
	{ 0x44444444, "exporter_friends_only" },
	{ 0x0badf00d, "vm_func" },
	{ 0x1a2b3c4d, "module_layout" },
};

static const u32 ____version_ext_crcs[]
__used __section("__version_ext_crcs") = {
	0x11111111,
	0x00c0ffee,
	0x44444444,
	0x0badf00d,
	0x1a2b3c4d,
};
static const char ____version_ext_names[]
__used __section("__version_ext_names") =
	"exporter_counter\0"
	"vm_data\0"
	"exporter_friends_only\0"
	"vm_func\0"
	"module_layout\0"
;

MODULE_INFO(depends, "exporter");

