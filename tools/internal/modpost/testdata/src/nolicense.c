#include "exp.h"

int common_var;
__attribute__((section(".init.text"))) int init_fn(void) { return common_var; }
EXPORT(init_fn);
__attribute__((section(".exit.text"))) void exit_fn(void) { }
EXPORT(exit_fn);
int init_module(void) { return init_fn(); }
