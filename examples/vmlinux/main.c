// SPDX-License-Identifier: GPL-2.0
/* The example's vmlinux: an entry point and the symbols modules import. */
#include <crypto/api.h>
#include <linux/kernel.h>

static struct crypto_alg *crypto_algs;
static char printk_buf[256];

int _printk(const char *fmt, ...)
{
	size_t i;

	for (i = 0; fmt[i] && i + 1 < sizeof(printk_buf); i++)
		printk_buf[i] = fmt[i];
	printk_buf[i] = 0;
	return (int)i;
}

int crypto_register_alg(struct crypto_alg *alg)
{
	alg->next = crypto_algs;
	crypto_algs = alg;
	return 0;
}

void crypto_unregister_alg(struct crypto_alg *alg)
{
	struct crypto_alg **p;

	for (p = &crypto_algs; *p; p = &(*p)->next)
		if (*p == alg) {
			*p = alg->next;
			return;
		}
}
