# ifeq, ifneq, ifdef, ifndef on CONFIG symbols, else, else ifeq, nesting
obj-$(CONFIG_CRYPTO_A) += a.o
ifeq ($(CONFIG_BPF_SYSCALL),y)
obj-$(CONFIG_CRYPTO_A) += a_bpf.o
endif
ifneq ($(CONFIG_X86),y)
obj-$(CONFIG_CRYPTO_B) += b_generic.o
else
obj-$(CONFIG_CRYPTO_B) += b_x86.o
endif
ifdef CONFIG_CRYPTO_FIPS
obj-$(CONFIG_CRYPTO_C) += c_fips.o
endif
ifndef CONFIG_CRYPTO_FIPS
obj-$(CONFIG_CRYPTO_C) += c_nofips.o
endif
ifeq ($(CONFIG_ARM64),y)
ifeq ($(CONFIG_KERNEL_MODE_NEON),y)
obj-$(CONFIG_CRYPTO_D) += d_neon.o
endif
else ifeq ($(CONFIG_X86),y)
obj-$(CONFIG_CRYPTO_D) += d_x86.o
endif
ifeq ($(CONFIG_ARM)$(CONFIG_KASAN_STACK),yy)
obj-$(CONFIG_CRYPTO_E) += e_arm_kasan.o
endif
ifeq "$(CONFIG_CRYPTO_F)" ""
obj-y += f_absent.o
endif
