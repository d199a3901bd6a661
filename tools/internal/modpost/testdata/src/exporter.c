#include "exp.h"

int exporter_counter;
EXPORT(exporter_counter);

const char exporter_table[16] = "table";
EXPORT_GPL(exporter_table);

int exporter_add(int a, int b) { return a + b + exporter_counter; }
EXPORT_NS_GPL(exporter_add, "DEMO_NS");

__attribute__((weak)) void exporter_weak(void) { }
EXPORT(exporter_weak);

int exporter_friends_only(void) { return 7; }
EXPORT_NS_GPL(exporter_friends_only, "module:user,friend*");

extern int vm_func(int);
int init_module(void) { return vm_func(1); }
void cleanup_module(void) { }

MODINFO(license, "GPL");
MODINFO(description, "test exporter");
