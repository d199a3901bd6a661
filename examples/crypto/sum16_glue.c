// SPDX-License-Identifier: GPL-2.0
/* The second part of the composite sum16.o: its module_init and module_exit. */
#include <crypto/api.h>
#include <linux/kernel.h>
#include <linux/module.h>

unsigned int sum16_block(const unsigned char *data, size_t len);

static struct crypto_alg sum16_alg = {
	.cra_name = "sum16",
	.cra_driver_name = "sum16-generic",
};

static int __init sum16_init(void)
{
	static const unsigned char probe[] = "abc";

	if (sum16_block(probe, 3) != 0x024d0127)
		return -22;
	return crypto_register_alg(&sum16_alg);
}

static void __exit sum16_exit(void)
{
	crypto_unregister_alg(&sum16_alg);
}

module_init(sum16_init);
module_exit(sum16_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Adler-style sum16 (rules_fips140 example)");
