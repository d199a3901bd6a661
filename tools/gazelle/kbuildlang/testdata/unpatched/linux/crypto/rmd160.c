#include "ripemd.h"
