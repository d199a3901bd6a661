#include "exp.h"

/* MODULE_VERSION: modpost adds srcversion. */
int versioned_value(void) { return 42; }
EXPORT(versioned_value);

MODINFO(license, "GPL");
MODINFO(description, "versioned");
MODINFO(version, "1.2.3");
