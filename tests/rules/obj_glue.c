/* The second part of the routing tests composite. */
int obj_glue(void) { return 1; }
