#!/bin/sh
# Cold build against warm-remote-cache build, in fresh output bases, as a
# ratio from one run (docs/benchmarks.md, "Remote cache").
#
# Usage, from the repository root (as root, like ./bazelw):
#   bench/remote_cache.sh
#
# It runs //tests/remote:remote_test with -cache_only: buildbox-casd behind
# the REAPI shim on loopback; checkout A builds //examples:vmlinux and
# //tests/realkernel:fips140 (x86_64, output group fips140) with an empty
# cache and fills it; checkout B at another path, with a clean output base,
# builds the same with the warm cache. Both times are whole `bazel build`
# commands, including the server's start and the analysis.
set -eu

[ -f MODULE.bazel ] && [ -x bazelw ] || {
	echo "remote_cache.sh: run me from the repository root" >&2
	exit 2
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

machine() {
	echo "# $1: nproc $(nproc), $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*: //'),"\
		"$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, uptime:$(uptime | sed 's/.*load average/ load average/')"
}

machine before
status=0
./bazelw test //tests/remote:remote_test --test_output=streamed \
	--test_arg=-test.v --test_arg=-cache_only >"$log" 2>&1 || status=$?
machine after
grep -E 'cold build|warm remote cache|outputs identical|shim in front|BENCH' "$log" | sed 's/^ *remote_test.go:[0-9]*: //' || true
if [ "$status" -ne 0 ]; then
	tail -n 40 "$log" >&2
	echo "remote_cache.sh: the test failed (exit $status)" >&2
	exit "$status"
fi
