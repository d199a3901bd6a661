#include "exp.h"

/* Exports with and without #SYMVER lines, and imports from vmlinux and
 * from another module. */
int crc_plain(int a) { return a + 1; }
EXPORT(crc_plain);

int crc_gpl(int a) { return a + 2; }
EXPORT_GPL(crc_gpl);

int crc_missing(int a) { return a + 3; }
EXPORT(crc_missing);

long crc_value = 5;
EXPORT_NS(crc_value, "CRC_NS");

extern int vm_func(int);
extern int vm_data;
extern int exporter_add(int, int);
extern int maybe_missing(void) __attribute__((weak));

int init_module(void)
{
	return vm_func(vm_data) + exporter_add(1, 2) + (maybe_missing ? maybe_missing() : 0);
}

MODINFO(license, "GPL");
MODINFO(description, "CRCs");
MODINFO(import_ns, "DEMO_NS");
