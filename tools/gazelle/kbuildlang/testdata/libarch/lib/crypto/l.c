#include "fips.h"
#include "l.h" /* $(SRCARCH)/l.h */
