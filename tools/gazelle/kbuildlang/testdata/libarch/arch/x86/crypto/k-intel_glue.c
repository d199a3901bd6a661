#include "k-helpers.h"
