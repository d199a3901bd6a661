./friendly.o
