/*
 * Stand-in: the example kernel's algorithm type, with the fields and flags
 * fips140's generated main uses to wait for self-tests before unwinding.
 */
#ifndef EXAMPLE_LINUX_CRYPTO_H
#define EXAMPLE_LINUX_CRYPTO_H

#include <linux/list.h>

#define CRYPTO_ALG_TESTED 0x00000400
#define CRYPTO_NOLOAD 0x00008000
#define CRYPTO_MAX_ALG_NAME 128

struct module;

struct crypto_alg {
	struct list_head cra_list;
	unsigned int cra_flags;
	const char *cra_name;
	const char *cra_driver_name;
	void (*cra_destroy)(struct crypto_alg *alg);
	struct module *cra_module;
};

int crypto_register_alg(struct crypto_alg *alg);
void crypto_unregister_alg(struct crypto_alg *alg);
int crypto_has_alg(const char *name, unsigned int type, unsigned int mask);

#endif
