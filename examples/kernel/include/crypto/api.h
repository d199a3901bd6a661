/* Stand-in: the example kernel's crypto API, implemented in its vmlinux. */
#ifndef EXAMPLE_CRYPTO_API_H
#define EXAMPLE_CRYPTO_API_H

struct crypto_alg {
	const char *cra_name;
	const char *cra_driver_name;
	struct crypto_alg *next;
};

int crypto_register_alg(struct crypto_alg *alg);
void crypto_unregister_alg(struct crypto_alg *alg);

/* Exported by the cipher_core part of fips140. */
unsigned char cipher_core_xor(unsigned char byte, unsigned char key);

#endif
