savedcmd_user.o := gcc -c -o user.o user.c

source_user.o := user.c

deps_user.o := \
  include/linux/kconfig.h \
  ./exp.h \

user.o: $(deps_user.o)

$(deps_user.o):
