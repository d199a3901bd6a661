# What the arch and lib crypto Makefiles use: assembler parts, per-part
# assembler flags, parts in architecture subdirectories selected by the
# architecture's CONFIG symbol, assembler-capability symbols, a perlasm
# rule that generates a part, and an assembler test the model reads no
# further.
asflags-y += -DASM_DIR
obj-$(CONFIG_CRYPTO_K_INTEL) += k-intel.o
k-intel-y := k-intel_asm.o k-intel_glue.o
k-intel-$(CONFIG_64BIT) += k-avx-x86_64.o \
			   k-gcm-x86_64.o
AFLAGS_k-intel_asm.o := -DK_ASM
k-intel-$(CONFIG_AS_AVX512) += k-avx512.o

obj-$(CONFIG_CRYPTO_LIB_K) += libk.o
libk-y := k.o
ifeq ($(CONFIG_CRYPTO_LIB_K_ARCH),y)
libk-$(CONFIG_ARM) += arm/k-core.o
libk-$(CONFIG_ARM64) += arm64/k-ce.o arm64/k-core.o
$(obj)/arm64/k-core.S: $(src)/arm64/k-armv8.pl FORCE
	$(call if_changed,perlasm)
ifeq ($(CONFIG_X86),y)
libk-y += x86/k-ssse3.o
endif
endif

obj-$(CONFIG_ARM64) += arm64/k-helper.o
AFLAGS_k-avx512.o += $(call as-instr,vpxord %zmm0$(comma)%zmm0$(comma)%zmm0,-DK_AVX512)
