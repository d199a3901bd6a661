#include "local.h"
int alpha;
