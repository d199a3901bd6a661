#include "k-helpers.S"
