// SPDX-License-Identifier: GPL-2.0
/* The e2e scenario's one crypto part, in the upstream init style. */
#include <crypto/api.h>
#include <linux/module.h>

static struct crypto_alg hello_alg = { .cra_name = "hello" };

static int __init hello_init(void)
{
	return crypto_register_alg(&hello_alg);
}
module_init(hello_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("e2e hello");
