#!/bin/sh
# Regenerates testdata/objs/<arch>/*.o from testdata/src/*.c with gcc 16
# from the Debian sid root (x86_64-linux-gnu-gcc-16, aarch64-linux-gnu-gcc-16).
# Usage: gen.sh [SID_ROOT]   (run as root; uses chroot)
set -eu
root=${1:-/var/cache/rules_fips140/sid-root}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "$root/tmp/modpost-gen.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here"/src/*.c "$here"/src/exp.h "$work/"
flags="-O2 -g0 -ffreestanding -fno-pic -fno-asynchronous-unwind-tables -fno-ident -fno-common"
for arch in x86_64 aarch64; do
	mkdir -p "$here/objs/$arch"
	for c in "$here"/src/*.c; do
		m=$(basename "$c" .c)
		extra=
		[ "$m" = nolicense ] && extra=-fcommon
		chroot "$root" /usr/bin/$arch-linux-gnu-gcc-16 $flags $extra \
			-c "/tmp/$(basename "$work")/$m.c" -o "/tmp/$(basename "$work")/$m.o"
		cp "$work/$m.o" "$here/objs/$arch/$m.o"
	done
done
