#!/bin/sh
# Prints archiver ÷ `ar cDPrST` wall time for a thin archive of 2,000
# synthetic objects, from one `go test -bench` run of both (whole processes,
# same input, @paramfile for both). Set FIPS140_TEST_AR to pick the ar.
# Usage: bench/archiver.sh [count]   (run from the repository root)
set -eu
count=${1:-5}
go test ./tools/archiver/ -run '^$' -bench '^BenchmarkCreateThin2000$' -count "$count" |
awk '
/^BenchmarkCreateThin2000\/archiver/ { ours[n1++] = $3 }
/^BenchmarkCreateThin2000\/gnu-ar/   { gnu[n2++] = $3 }
{ print }
function median(a, n,   i, j, t) {
	for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int(n / 2)]
}
END {
	if (n1 == 0 || n2 == 0) { print "archiver bench: missing results (is ar installed?)"; exit 1 }
	o = median(ours, n1); g = median(gnu, n2)
	printf "archiver vs ar cDPrST, 2000 objects: median %.1f ms vs %.1f ms, ratio %.2f (target <= 1.5)\n", o / 1e6, g / 1e6, o / g
}'
