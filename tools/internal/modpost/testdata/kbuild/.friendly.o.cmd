savedcmd_friendly.o := gcc -c -o friendly.o friendly.c

source_friendly.o := friendly.c

deps_friendly.o := \
  include/linux/kconfig.h \
  ./exp.h \

friendly.o: $(deps_friendly.o)

$(deps_friendly.o):
