// SPDX-License-Identifier: GPL-2.0
/* An unmodified-upstream-style part: module_init and module_exit. */
#include <crypto/api.h>
#include <linux/module.h>

static struct crypto_alg rot13_alg = {
	.cra_name = "rot13",
	.cra_driver_name = "rot13-generic",
};

static int __init rot13_init(void)
{
	return crypto_register_alg(&rot13_alg);
}

static void __exit rot13_exit(void)
{
	crypto_unregister_alg(&rot13_alg);
}

module_init(rot13_init);
module_exit(rot13_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ROT13 (rules_fips140 example)");
MODULE_ALIAS("crypto-rot13");
