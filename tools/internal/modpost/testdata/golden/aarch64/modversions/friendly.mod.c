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
	{ 0x44444444, "exporter_friends_only" },
	{ 0xdeadbeef, "vm_ns_func" },
	{ 0x1a2b3c4d, "module_layout" },
};

static const u32 ____version_ext_crcs[]
__used __section("__version_ext_crcs") = {
	0x44444444,
	0xdeadbeef,
	0x1a2b3c4d,
};
static const char ____version_ext_names[]
__used __section("__version_ext_names") =
	"exporter_friends_only\0"
	"vm_ns_func\0"
	"module_layout\0"
;

MODULE_INFO(depends, "exporter");

