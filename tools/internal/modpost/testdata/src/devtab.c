#include "exp.h"

/* Two x86cpu tables and two cpu tables in one module, with a repeated
 * entry (one alias), wildcards, and a zero table in .bss. */
const struct test_x86_cpu_id aes_ids[] = {
	{ .vendor = 0xffff, .feature = 0x99 },             /* any CPU with feature */
	{ .vendor = 0, .family = 6, .model = 0x55, .feature = 0 },
	{ .vendor = 2, .family = 0x17, .feature = 0x1a5 },
	{ .vendor = 0xffff, .feature = 0x99 },             /* repeated */
	{ 0 }
};
DEVICE_TABLE(devtab, x86cpu, aes_ids);

const struct test_x86_cpu_id sha_ids[] = {
	{ .vendor = 0xffff, .family = 0, .model = 0, .feature = 0x10f },
	{ .vendor = 1, .family = 0xffff, .model = 0xffff, .steppings = 3, .feature = 0xffff, .driver_data = 7 },
	{ 0 }
};
DEVICE_TABLE(devtab, x86cpu, sha_ids);

const struct test_cpu_feature ce_feats[] = { { 3 }, { 0x1f }, { 3 }, { 0 } };
DEVICE_TABLE(devtab, cpu, ce_feats);

const struct test_cpu_feature pmull_feats[] = { { 0xabcd }, { 0 } };
DEVICE_TABLE(devtab, cpu, pmull_feats);

struct test_x86_cpu_id zero_ids[3];
DEVICE_TABLE(devtab, x86cpu, zero_ids);

/* A type modpost does not know: ignored. */
const struct test_cpu_feature odd_feats[] = { { 1 }, { 0 } };
DEVICE_TABLE(devtab, nosuchbus, odd_feats);

int init_module(void) { return 0; }

MODINFO(license, "GPL");
MODINFO(description, "device tables");
