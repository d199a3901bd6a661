#!/bin/sh
# Builds real kernel crypto modules as an external module with Debian's
# kbuild and 7.2.13 headers, for TestDifferentialKernelObjects. (The test
# compiles the same files itself; this is kbuild's own build, to check that
# against and to run the test on.)
#
# Usage (as root): build-kernel-objs.sh ARCH OUT
#   ARCH  amd64 or arm64
#   OUT   directory that receives modules.order, the module objects, and
#         kbuild's own outputs (Module.symvers, *.mod.c, build.log)
# Environment:
#   SID_ROOT   Debian sid root with make, perl and gcc-16 (default
#              /var/cache/rules_fips140/sid-root); it is not modified: the
#              build runs in an overlay mounted on top of it.
#   DEB_CACHE  directory holding the .debs (default
#              ~/.cache/rules_fips140/debs, as the Go tests use); missing
#              ones are downloaded from the mirror in
#              /etc/apt/sources.list.d/debian.sources and checked by SHA-256.
#
# Then: FIPS140_TEST_KERNEL_OBJS=OUT FIPS140_TEST_SYSROOT=$SID_ROOT go test ./tools/modpost/
set -eu
arch=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
root=${SID_ROOT:-/var/cache/rules_fips140/sid-root}
cache=${DEB_CACHE:-$HOME/.cache/rules_fips140/debs}
rel=7.2.13+deb14
ver=7.2.13-1
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)

fetch() { # file sha256
	mkdir -p "$cache"
	if [ ! -f "$cache/$1" ]; then
		curl -sSfo "$cache/$1.tmp" "$mirror/pool/main/l/linux/$1"
		mv "$cache/$1.tmp" "$cache/$1"
	fi
	echo "$2  $cache/$1" | sha256sum -c --quiet
}
fetch linux-kbuild-${rel}_${ver}_amd64.deb 0cecebac12f863b32f0b0a5b48b3b762240ff614603e9d8fd550fc095de0e610
fetch linux-headers-${rel}-common_${ver}_all.deb 5067c68cf803b385f72e6ea530cfbb9226f5eb91bfb7e256b6fcb4f87fd6279c
fetch linux-source-7.2_${ver}_all.deb 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d
case $arch in
amd64) fetch linux-headers-${rel}-amd64_${ver}_amd64.deb ca62a68d18f87235d0c32b1a3e129f9cb7859ac5e6a0c95574081f02faed8573 ;;
arm64) fetch linux-headers-${rel}-arm64_${ver}_arm64.deb 13e730015bcb43fd34aa9686295c2dff52f7e5ac30ed9975d282275afdf11546 ;;
*) echo "ARCH must be amd64 or arm64" >&2; exit 2 ;;
esac

work=$(mktemp -d)
merged=$work/root
mkdir -p "$work/upper" "$work/work" "$merged"
mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/work" "$merged"
cleanup() {
	umount "$merged/proc" 2>/dev/null || true
	umount "$merged" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mount -t proc proc "$merged/proc" # objtool reads /proc

for deb in "$cache"/linux-kbuild-${rel}_${ver}_amd64.deb \
	"$cache"/linux-headers-${rel}-common_${ver}_all.deb \
	"$cache"/linux-headers-${rel}-${arch}_${ver}_*.deb; do
	dpkg-deb -x "$deb" "$merged"
done

# Four generic crypto files from upstream, unmodified.
m=$merged/tmp/kmods
mkdir -p "$m"
dpkg-deb --fsys-tarfile "$cache/linux-source-7.2_${ver}_all.deb" |
	tar -xO ./usr/src/linux-source-7.2.tar.xz |
	tar -xJ -C "$m" --strip-components=2 \
		linux-source-7.2/crypto/wp512.c linux-source-7.2/crypto/rmd160.c \
		linux-source-7.2/crypto/ripemd.h linux-source-7.2/crypto/serpent_generic.c \
		linux-source-7.2/crypto/camellia_generic.c
# The per-file flags are those of upstream crypto/Makefile.
cat >"$m/Makefile" <<'EOF'
obj-m += wp512.o rmd160.o serpent_generic.o camellia_generic.o
CFLAGS_wp512.o := -fno-schedule-insns
CFLAGS_serpent_generic.o := -fsched-pressure
EOF
# No variables on make's command line: any "i" in MAKEFLAGS makes
# Makefile.modpost add -n. The headers' .kernelvariables set ARCH and
# CROSS_COMPILE.
chroot "$merged" /bin/sh -c \
	"cd /tmp/kmods && make -C /usr/src/linux-headers-${rel}-${arch} M=/tmp/kmods V=1 modules" \
	>"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
cp "$m/modules.order" "$m/Module.symvers" "$out/"
for o in $(cat "$m/modules.order"); do
	cp "$m/$o" "$m/${o%.o}.mod.c" "$out/"
done
grep -F 'scripts/mod/modpost ' "$out/build.log" >"$out/modpost.cmdline"
echo "wrote $out"
