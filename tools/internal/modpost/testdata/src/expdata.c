#include "exp.h"

/* many exports, to check order and KSYMTAB_DATA/FUNC */
struct thing { int a, b; };
struct thing thing_a = { 1, 2 };
EXPORT_NS(thing_a, "THINGS");
static const struct thing thing_b_v = { 3, 4 };
const struct thing *thing_b = &thing_b_v;
EXPORT_NS_GPL(thing_b, "THINGS");
long thing_count(void) { return thing_a.a; }
EXPORT(thing_count);
char thing_buf[64];
EXPORT_GPL(thing_buf);

MODINFO(license, "GPL and additional rights");
MODINFO(license, "Dual BSD/GPL");
MODINFO(description, "data exports");
MODINFO(import_ns, "VM_NS");
MODINFO(import_ns, "VM_NS");
