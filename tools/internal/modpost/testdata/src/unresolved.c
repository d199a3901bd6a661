#include "exp.h"

#define U(n) extern int missing_##n(void);
U(1) U(2) U(3) U(4) U(5) U(6) U(7) U(8) U(9) U(10) U(11) U(12)
extern int weak_missing(void) __attribute__((weak));

int init_module(void)
{
	return missing_1() + missing_2() + missing_3() + missing_4() +
	       missing_5() + missing_6() + missing_7() + missing_8() +
	       missing_9() + missing_10() + missing_11() + missing_12() +
	       (weak_missing ? weak_missing() : 0);
}

MODINFO(license, "GPL");
MODINFO(description, "twelve unresolved symbols and a weak one");
