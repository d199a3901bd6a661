// SPDX-License-Identifier: GPL-2.0
/* The example's vmlinux: an entry point and the symbols modules import. */
#include <crypto/api.h>
#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/string.h>

/* Every registered algorithm, as the crypto API's crypto_alg_list. */
LIST_HEAD(crypto_alg_list);
struct rw_semaphore crypto_alg_sem;

static char printk_buf[256];

int _printk(const char *fmt, ...)
{
	size_t i;

	for (i = 0; fmt[i] && i + 1 < sizeof(printk_buf); i++)
		printk_buf[i] = fmt[i];
	printk_buf[i] = 0;
	return (int)i;
}

long strscpy(char *dst, const char *src, size_t size)
{
	size_t i;

	if (!size)
		return -7; /* -E2BIG */
	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
	return src[i] ? -7 : (long)i;
}

/* One CPU, no threads: the locks only count. */
void down_read(struct rw_semaphore *sem) { sem->count++; }
void up_read(struct rw_semaphore *sem) { sem->count--; }
void down_write(struct rw_semaphore *sem) { sem->count--; }
void up_write(struct rw_semaphore *sem) { sem->count++; }
void complete(struct completion *x) { x->done++; }
void wait_for_completion(struct completion *x) { x->done--; }

static int names_equal(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The example tests an algorithm as it registers it. */
int crypto_register_alg(struct crypto_alg *alg)
{
	alg->cra_flags |= CRYPTO_ALG_TESTED;
	list_add(&alg->cra_list, &crypto_alg_list);
	return 0;
}

void crypto_unregister_alg(struct crypto_alg *alg)
{
	list_del(&alg->cra_list);
	if (alg->cra_destroy)
		alg->cra_destroy(alg);
}

int crypto_has_alg(const char *name, unsigned int type, unsigned int mask)
{
	struct crypto_alg *alg;

	list_for_each_entry(alg, &crypto_alg_list, cra_list)
		if ((alg->cra_flags & mask & ~CRYPTO_NOLOAD) == (type & mask & ~CRYPTO_NOLOAD) &&
		    (names_equal(alg->cra_name, name) || names_equal(alg->cra_driver_name, name)))
			return 1;
	return 0;
}
