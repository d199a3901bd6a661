// SPDX-License-Identifier: GPL-2.0
/* A part written for the seed: crypto_module_init (level 1). */
#include <crypto/api.h>
#include <crypto/fips140-init.h>
#include <linux/module.h>

static struct crypto_alg xor8_alg = {
	.cra_name = "xor8",
	.cra_driver_name = "xor8-generic",
};

static int __init xor8_init(void)
{
	return crypto_register_alg(&xor8_alg);
}
crypto_module_init(xor8_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XOR8 (rules_fips140 example)");
