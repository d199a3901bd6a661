# CFLAGS_foo.o, CFLAGS_REMOVE_foo.o, AFLAGS_foo.o, ccflags-y, asflags-y,
# simple variables and $(call cc-option,...)
extra := -DEXTRA=1
ccflags-y += -I$$(srctree)/include/crypto $(extra)
asflags-y := -DASM_SIDE
obj-$(CONFIG_CRYPTO_WP) += wp.o
CFLAGS_wp.o := $(call cc-option,-fno-schedule-insns)  # a trailing comment
obj-$(CONFIG_CRYPTO_J) += j.o
j-y := j_core.o j_asm.o
CFLAGS_j_core.o = -O0
CFLAGS_REMOVE_j_core.o += -pg
AFLAGS_j_asm.o += -DJ_ASM
