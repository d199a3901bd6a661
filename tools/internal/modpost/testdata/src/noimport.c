#include "exp.h"

extern int exporter_add(int, int);
extern int exporter_friends_only(void);
int init_module(void) { return exporter_add(1, 2) + exporter_friends_only(); }

MODINFO(license, "GPL");
MODINFO(description, "does not import DEMO_NS");
