/* Stand-in: the example kernel's crypto API, implemented in its vmlinux. */
#ifndef EXAMPLE_CRYPTO_API_H
#define EXAMPLE_CRYPTO_API_H

#include <linux/crypto.h>

/* Exported by the cipher_core part of fips140. */
unsigned char cipher_core_xor(unsigned char byte, unsigned char key);

#endif
