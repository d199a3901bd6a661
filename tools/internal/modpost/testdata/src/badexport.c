#include "exp.h"

int good_one(void) { return 1; }
EXPORT(good_one);

/* a label without the __export_symbol_ prefix */
int strange_target(void) { return 2; }
EXPORT_ENTRY(strange_label, strange_target, "", "");

/* a static function: the relocation names a local symbol */
static int __attribute__((used)) local_fn(void) { return 3; }
EXPORT_ENTRY(__export_symbol_local_fn, local_fn, "", "");

/* a license modpost does not know */
int odd_license(void) { return 4; }
EXPORT_ENTRY(__export_symbol_odd_license, odd_license, "BSD", "");

/* the label names another symbol than the one referenced */
int real_target(void) { return 5; }
EXPORT_ENTRY(__export_symbol_other_name, real_target, "", "");

/* exported but not defined here */
extern int nowhere(void);
EXPORT(nowhere);

MODINFO(license, "GPL");
MODINFO(description, "broken .export_symbol entries");
