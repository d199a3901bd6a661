#include "exp.h"

extern int exporter_add(int, int);
extern int exporter_counter;
extern int exporter_friends_only(void);
extern int vm_func(int);
extern int vm_data;
extern int maybe_missing(void) __attribute__((weak));

int init_module(void)
{
	return exporter_add(vm_data, exporter_counter) + exporter_friends_only() +
	       vm_func(2) + (maybe_missing ? maybe_missing() : 0);
}

MODINFO(license, "Dual MIT/GPL");
MODINFO(import_ns, "DEMO_NS");
