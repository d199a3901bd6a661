/* Test stand-in for the kernel's <linux/crypto.h>: what the self-test wait uses. */
#ifndef KSTUB_CRYPTO_H
#define KSTUB_CRYPTO_H
#include <linux/list.h>
#define CRYPTO_ALG_LARVAL 0x00000010
#define CRYPTO_ALG_TESTED 0x00000400
#define CRYPTO_NOLOAD 0x00008000
#define CRYPTO_MAX_ALG_NAME 128
struct module;
struct crypto_alg {
	struct list_head cra_list;
	unsigned int cra_flags;
	char cra_driver_name[CRYPTO_MAX_ALG_NAME];
	void (*cra_destroy)(struct crypto_alg *alg);
	struct module *cra_module;
};
int crypto_has_alg(const char *name, unsigned int type, unsigned int mask);
#endif
