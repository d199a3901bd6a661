// SPDX-License-Identifier: GPL-2.0
/* The example's stand-in for the seed's loader: it refers to the bounds of
 * the embedded module and digest, as the kernel's early boot code does. */
extern const unsigned char _binary_fips140_ko_start[], _binary_fips140_ko_end[];
extern const unsigned char _binary_fips140_hmac_start[], _binary_fips140_hmac_end[];

unsigned long fips140_embedded_size(void)
{
	return (unsigned long)(_binary_fips140_ko_end - _binary_fips140_ko_start);
}

unsigned long fips140_digest_size(void)
{
	return (unsigned long)(_binary_fips140_hmac_end - _binary_fips140_hmac_start);
}

void example_start(void)
{
	for (;;)
		;
}
