// SPDX-License-Identifier: GPL-2.0
/*
 * The example's API stubs (the seed's crypto/fips140/fips140-api.c),
 * compiled twice by crypto_api_stubs. In vmlinux (no FIPS_MODULE) it
 * defines the address placeholder through which built-in code reaches
 * cipher_core_xor; in fips140 (FIPS_MODULE) it defines what fills it.
 */
#include <crypto/api.h>

#ifdef FIPS_MODULE
unsigned char (*const fips140_api_cipher_core_xor_impl)(unsigned char, unsigned char) = cipher_core_xor;
#else
unsigned char (*fips140_api_cipher_core_xor)(unsigned char, unsigned char);
#endif
