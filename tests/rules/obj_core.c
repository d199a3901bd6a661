/* A composite crypto object for the routing tests (analysis only). */
int obj_core(void) { return 0; }
