#include "exp.h"

extern const char exporter_table[16];
extern int exporter_counter;
int init_module(void) { return exporter_table[0] + exporter_counter; }

MODINFO(license, "Proprietary");
MODINFO(description, "uses a GPL-only symbol");
