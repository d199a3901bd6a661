#include "exp.h"

extern int exporter_friends_only(void);
extern int vm_ns_func(void);
int init_module(void) { return exporter_friends_only() + vm_ns_func(); }

MODINFO(license, "GPL v2");
MODINFO(import_ns, "VM_NS");
MODINFO(description, "uses a module: namespace by glob");
