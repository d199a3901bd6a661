# Constructs the model cannot follow: each must come back as a diagnostic.
obj-$(CONFIG_CRYPTO_U) += u.o
CONTEXT_ANALYSIS := y
KASAN_SANITIZE_u.o := n
CFLAGS_u.o += $(CC_FLAGS_FPU)
ifeq ($(ARCH),arm64)
obj-$(CONFIG_CRYPTO_U) += u_arm64.o
endif
ifeq ($(CONFIG_A)$(CONFIG_B),y)
obj-$(CONFIG_CRYPTO_U) += u_either.o
endif
$(obj)/u.o: $(obj)/u.asn1.h
	@echo recipe
include $(src)/other.mk
define twice
$(1) $(1)
endef
$(eval $(call twice,x))
obj-$(CONFIG_CRYPTO_U) += $(patsubst %.c,%.o,u2.c)
CFLAGS_u.o += $(if $(CONFIG_X),-DX)
ifeq ($(CONFIG_LOCKDEP),y)
CFLAGS_u.o += -DLOCKDEP
endif
