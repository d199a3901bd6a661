#include "exp.h"

/* A pci_device_id-sized table (40 bytes): a type we do not decode. */
struct test_pci_id {
	unsigned int vendor, device, subvendor, subdevice, class, class_mask;
	unsigned long driver_data;
	unsigned int override_only;
};
const struct test_pci_id pci_ids[] = { { 0x8086, 0x1234, ~0u, ~0u, 0, 0, 0, 0 }, { 0 } };
DEVICE_TABLE(pcitab, pci, pci_ids);

MODINFO(license, "GPL");
MODINFO(description, "pci table");
