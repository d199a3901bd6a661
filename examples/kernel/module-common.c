/* The example kernel's module-common file: the vermagic every module carries. */
#include <linux/module.h>

MODULE_INFO(vermagic, "7.2.0-example SMP mod_unload ");
