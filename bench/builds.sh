#!/bin/sh
# Measures Bazel builds of this checkout (bench/builds/main.go,
# docs/benchmarks.md): cold, null and incremental rebuilds of //examples:vmlinux
# and of the real-kernel fips140.ko, synthetic trees of crypto objects, and
# the real-kernel parts side by side with kbuild. It runs inside the
# project's Debian sid build root, where Bazel, the compilers, pahole and
# make are, on a copy of the checkout (the checkout is never edited).
#
# Usage, from the repository root (as root, like ./bazelw):
#   bench/builds.sh [flags of bench/builds...]     e.g. -markdown -only kbuild
#
# Go's build and module caches live in the root under $BENCH_GO_CACHE
# (default /var/tmp/rules_fips140-bench). A full run takes about half an
# hour on 2 CPUs.
set -eu

[ -f MODULE.bazel ] && [ -x bazelw ] || {
	echo "builds.sh: run me from the repository root" >&2
	exit 2
}
proxy=${GOPROXY:-}
if [ -z "$proxy" ] && command -v go >/dev/null 2>&1; then
	proxy=$(go env GOPROXY)
fi
cache=${BENCH_GO_CACHE:-/var/tmp/rules_fips140-bench}

machine() {
	echo "# $1: nproc $(nproc), $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*: //'),"\
		"$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, uptime:$(uptime | sed 's/.*load average/ load average/')"
}

machine before
# -buildvcs=false: the worktree's .git may point outside the root.
./bazelw --exec env \
	GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local GOPROXY="${proxy:-off}" \
	GOCACHE="$cache/go-build" GOMODCACHE="$cache/gomod" \
	go run ./bench/builds -workspace "$(pwd -P)" "$@"
machine after
