// SPDX-License-Identifier: GPL-2.0
/* An =m crypto object: its own module, which uses an export of fips140. */
#include <crypto/api.h>
#include <linux/module.h>

static struct crypto_alg toy_alg = {
	.cra_name = "toy",
	.cra_driver_name = "toy-generic",
};

static int __init toy_init(void)
{
	if (cipher_core_xor(0x5a, 0x5a) == 0xff)
		return -22;
	return crypto_register_alg(&toy_alg);
}

static void __exit toy_exit(void)
{
	crypto_unregister_alg(&toy_alg);
}

module_init(toy_init);
module_exit(toy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Toy cipher, an =m crypto module (rules_fips140 example)");
