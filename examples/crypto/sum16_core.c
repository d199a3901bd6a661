// SPDX-License-Identifier: GPL-2.0
/* The first part of the composite sum16.o (sum16-y := sum16_core.o sum16_glue.o). */
#include <linux/kernel.h>

unsigned int sum16_block(const unsigned char *data, size_t len)
{
	unsigned int a = 1, b = 0;

	while (len--) {
		a = (a + *data++) % 65521;
		b = (b + a) % 65521;
	}
	return (b << 16) | a;
}
