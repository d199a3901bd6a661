#!/bin/sh
# Compares our Go helpers with the native tools they replace (ours ÷ native,
# see bench/helpers/main.go and docs/benchmarks.md), inside the project's
# Debian sid build root: sid's openssl and binutils 2.47, Go 1.27, and
# Debian's real modpost from linux-kbuild-7.2.13+deb14 (it needs glibc >=
# 2.38), fetched by Bazel pinned by sha256.
#
# Usage, from the repository root (as root, like ./bazelw):
#   bench/helpers.sh [flags of bench/helpers...]     e.g. -runs 9 -markdown
#
# The inputs and outputs go to a fresh directory under $BENCH_TMPDIR
# (default /dev/shm, a tmpfs; see docs/benchmarks.md for why), removed at
# the end. Go's build and module caches live in the root under
# $BENCH_GO_CACHE (default /var/tmp/rules_fips140-bench), so later runs
# start quickly.
set -eu

[ -f MODULE.bazel ] && [ -x bazelw ] || {
	echo "helpers.sh: run me from the repository root" >&2
	exit 2
}
kbuild_repo=_main~debian~debian_linux_kbuild_7_2_13_amd64
./bazelw build "@debian_linux_kbuild_7_2_13_amd64//:files"
modpost="$(./bazelw info output_base)/external/$kbuild_repo/scripts/mod/modpost.real-lsb-64"
[ -f "$modpost" ] || {
	echo "helpers.sh: $modpost is missing after the build" >&2
	exit 1
}

proxy=${GOPROXY:-}
if [ -z "$proxy" ] && command -v go >/dev/null 2>&1; then
	proxy=$(go env GOPROXY)
fi
cache=${BENCH_GO_CACHE:-/var/tmp/rules_fips140-bench}
tmpdir=${BENCH_TMPDIR-/dev/shm}
[ -z "$tmpdir" ] || [ -d "$tmpdir" ] || {
	echo "helpers.sh: BENCH_TMPDIR=$tmpdir is not a directory (set it empty for the system's temp dir)" >&2
	exit 2
}

machine() {
	echo "# $1: nproc $(nproc), $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*: //'),"\
		"$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, uptime:$(uptime | sed 's/.*load average/ load average/')"
}

machine before
# -buildvcs=false: the worktree's .git may point outside the root.
./bazelw --exec env \
	GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local GOPROXY="${proxy:-off}" \
	GOCACHE="$cache/go-build" GOMODCACHE="$cache/gomod" \
	go run ./bench/helpers -modpost "$modpost" -tmpdir "$tmpdir" "$@"
machine after
