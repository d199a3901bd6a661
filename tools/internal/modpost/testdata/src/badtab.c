#include "exp.h"

/* A table whose size is not a multiple of the entry size, and one
 * without a zero terminator. */
const unsigned char odd_ids[5] = { 1, 2, 3 };
DEVICE_TABLE(badtab, cpu, odd_ids);

const struct test_cpu_feature open_feats[] = { { 1 }, { 2 } };
DEVICE_TABLE(badtab, cpu, open_feats);

const struct test_x86_cpu_id fine_ids[] = { { .vendor = 0xffff, .feature = 5 }, { 0 } };
DEVICE_TABLE(badtab, x86cpu, fine_ids);

MODINFO(license, "GPL");
MODINFO(description, "bad device tables");
