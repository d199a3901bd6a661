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


MODULE_INFO(depends, "");

MODULE_ALIAS("cpu:type:x86,ven0000fam*mod*:feature:*");
MODULE_ALIAS("cpu:type:*:feature:*ABCD*");
MODULE_ALIAS("cpu:type:*:feature:*0003*");
MODULE_ALIAS("cpu:type:*:feature:*001F*");
MODULE_ALIAS("cpu:type:x86,ven*fam*mod*:feature:*010F*");
MODULE_ALIAS("cpu:type:x86,ven0001famFFFFmodFFFF:feature:*FFFF*");
MODULE_ALIAS("cpu:type:x86,ven*fam*mod*:feature:*0099*");
MODULE_ALIAS("cpu:type:x86,ven0000fam0006mod0055:feature:*");
MODULE_ALIAS("cpu:type:x86,ven0002fam0017mod*:feature:*01A5*");
