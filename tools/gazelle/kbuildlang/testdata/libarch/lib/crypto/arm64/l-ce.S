#include "l-modes.S"
