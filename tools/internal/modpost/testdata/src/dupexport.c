#include "exp.h"

int exporter_add(int a, int b) { return a - b; }
EXPORT_GPL(exporter_add);
int vm_func(int x) { return x; }
EXPORT(vm_func);

MODINFO(license, "GPL");
MODINFO(description, "exports names that exporter and vmlinux export");
