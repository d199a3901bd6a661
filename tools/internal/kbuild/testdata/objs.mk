# obj-$(CONFIG_X) +=, := and crypto-objs-$(CONFIG_X); a comment \
  that continues
obj-$(CONFIG_CRYPTO_BETA) := beta.o
obj-$(CONFIG_CRYPTO_ALPHA) += alpha.o
obj-$(CONFIG_CRYPTO_BETA) += beta_extra.o
crypto-objs-$(CONFIG_CRYPTO_GAMMA) += gamma.o
crypto-objs-$(CONFIG_CRYPTO_DELTA) += \
	delta.o \
	epsilon.o
obj-y += always.o
