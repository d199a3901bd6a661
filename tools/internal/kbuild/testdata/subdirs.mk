# obj-y += dir/ recursion
obj-y += always/
obj-$(CONFIG_ASYMMETRIC_KEY_TYPE) += asymmetric_keys/
crypto-objs-$(CONFIG_CRYPTO_KRB5) += krb5/
