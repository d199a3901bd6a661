// SPDX-License-Identifier: GPL-2.0
/* A part written for the seed: a subsystem-level initcall and an export. */
#include <crypto/api.h>
#include <crypto/fips140-init.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/printk.h>

static unsigned char cipher_core_key_schedule[16];

unsigned char cipher_core_xor(unsigned char byte, unsigned char key)
{
	return byte ^ key ^ cipher_core_key_schedule[key & 15];
}
EXPORT_SYMBOL_GPL(cipher_core_xor);

static int __init cipher_core_init(void)
{
	int i;

	for (i = 0; i < 16; i++)
		cipher_core_key_schedule[i] = (unsigned char)(i * 29 + 7);
	pr_info("cipher_core: ready\n");
	return 0;
}
crypto_subsys_initcall(cipher_core_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Example cipher core (rules_fips140 example)");
