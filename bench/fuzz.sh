#!/bin/sh
# Fuzzes every Go fuzz target of the tree for a while each and prints a
# Markdown table of the results (docs/benchmarks.md, "Fuzzing"). A crasher
# stays where Go's fuzzer writes it, testdata/fuzz/<Target>/ beside the
# target: commit it, and it runs as a regression input with every test.
#
# Usage, from the repository root (as root, like ./bazelw):
#   bench/fuzz.sh [-t DURATION] [PATTERN]     e.g. -t 30s kcore
#
# DURATION is each target's fuzzing time (default 5m); PATTERN keeps the
# targets whose package path contains it. It runs inside the project's
# build root, with Go's caches under $BENCH_GO_CACHE (default
# /var/tmp/rules_fips140-bench), like bench/builds.sh.
set -eu

time=5m
if [ "${1:-}" = "-t" ]; then
	time=$2
	shift 2
fi
pattern=${1:-}

[ -f MODULE.bazel ] && [ -x bazelw ] || {
	echo "fuzz.sh: run me from the repository root" >&2
	exit 2
}
proxy=${GOPROXY:-}
if [ -z "$proxy" ] && command -v go >/dev/null 2>&1; then
	proxy=$(go env GOPROXY)
fi
cache=${BENCH_GO_CACHE:-/var/tmp/rules_fips140-bench}

gotest() {
	./bazelw --exec env \
		GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local GOPROXY="${proxy:-off}" \
		GOCACHE="$cache/go-build" GOMODCACHE="$cache/gomod" \
		go test "$@"
}

echo "Fuzzing time per target: $time; nproc $(nproc); $(date -u +%Y-%m-%d)."
echo
echo "| package | target | execs | new inputs | result |"
echo "|---|---|---|---|---|"
status=0
for file in $(grep -rl --include='*_test.go' '^func Fuzz' tools tests | sort); do
	pkg=./$(dirname "$file")
	case "$pkg" in *"$pattern"*) ;; *) continue ;; esac
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		log=$(mktemp)
		# Minimizing a new input may take Go's default 60 s, during which a
		# short run counts no executions: 5 s is enough for our inputs.
		if gotest -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -fuzzminimizetime 5s "$pkg" >"$log" 2>&1; then
			result=ok
		else
			result="FAILED: $(grep -m1 -E 'Failing input written to|--- FAIL|panic:' "$log" | sed 's/|/\\|/g')"
			status=1
		fi
		# The fuzzer's last progress line: "fuzz: elapsed: 5m0s, execs: N (R/sec), new interesting: M (total: T)".
		last=$(grep '^fuzz: elapsed:' "$log" | tail -n 1)
		execs=$(echo "$last" | sed -n 's/.*execs: \([0-9]*\).*/\1/p')
		new=$(echo "$last" | sed -n 's/.*new interesting: \([0-9]*\).*/\1/p')
		echo "| \`${pkg#./}\` | \`$target\` | ${execs:-?} | ${new:-?} | $result |"
		rm -f "$log"
	done
done
exit $status
