savedcmd_expdata.o := gcc -c -o expdata.o expdata.c

source_expdata.o := expdata.c

deps_expdata.o := \
  include/linux/kconfig.h \
  ./exp.h \

expdata.o: $(deps_expdata.o)

$(deps_expdata.o):
#SYMVER thing_a 0xa1a1a1a1
#SYMVER thing_b 0x0000b2b2
#SYMVER thing_count 0x000000c3
#SYMVER thing_buf 0xd4d4d4d4
