// SPDX-License-Identifier: GPL-2.0
/* An =n crypto object: the configs leave CONFIG_CRYPTO_UNUSED unset. */
#include <linux/module.h>

static int __init unused_init(void)
{
	return 0;
}
module_init(unused_init);

MODULE_LICENSE("GPL");
