# foo-y, foo-objs and foo-$(CONFIG_Y); a variable spliced into a list
obj-$(CONFIG_CRYPTO_FOO) += foo.o
foo-$(CONFIG_PROC_FS) += foo_proc.o
foo-y := foo_core.o foo_glue.o $(foo-y)
obj-$(CONFIG_CRYPTO_BAR) += bar.o
bar-objs := bar_a.o bar_b.o
obj-$(CONFIG_CRYPTO_BAZ) += baz.o
baz-y := baz_core.o
baz-$(CONFIG_64BIT) += baz_64.o \
		       baz_64_more.o
