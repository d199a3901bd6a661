./user.o
