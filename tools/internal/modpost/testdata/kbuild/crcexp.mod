./crcexp.o
