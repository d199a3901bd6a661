// Package repro builds the certification outputs twice, from two checkouts
// at different paths with two clean output bases, and requires the same
// bytes: fips140.ko, its digest, the =m modules and vmlinux, for x86_64 and
// arm64, on the example and on the real-kernel build, and the real Linux
// 7.2 kernel that examples/linux builds and links with the module embedded
// (x86_64 only: each kernel build takes minutes, and CI has an hour).
package repro

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tests/internal/nested"
)

// stateDir holds the checkouts and output bases in bazelw's build root:
// outside the outer Bazel's output base, whose paths are too long for a
// nested server's socket.
const stateDir = "/var/cache/rules_fips140/repro"

var (
	platforms = []string{"x86_64", "arm64"}
	targets   = []string{
		"//examples:vmlinux",
		"//examples:vmlinux_dual_btf",
		"//tests/realkernel:fips140",
	}
	// Built for one platform only, by the same command.
	platformTargets = map[string][]string{"x86_64": {"//examples/linux:vmlinux"}}
	// fips140: the module vmlinux embeds, its digest and the =m modules;
	// btf: the module BTF that vmlinux embeds; kernel: System.map,
	// vmlinux.unstripped and arm64's Image of a real kernel.
	outputGroups = "--output_groups=+fips140,+btf,+kernel"
	// The packages whose intermediate files are compared too when an
	// output differs, to show where a difference starts.
	packages = []string{"examples", "tests/realkernel"}
)

// build builds the targets for each platform and returns the sha256 of
// every output, keyed by platform and execroot-relative path.
// checkout is one copy of the source tree and its own output base.
type checkout struct{ nested.Checkout }

func (c checkout) build(t *testing.T) (execroot string, sums map[string]map[string]string) {
	t.Helper()
	sums = map[string]map[string]string{}
	for _, p := range platforms {
		flags := []string{"--platforms=//platforms:" + p, outputGroups}
		all := append(append([]string{}, targets...), platformTargets[p]...)
		c.Bazel(t, append(append([]string{"build"}, flags...), all...)...)
		out, _ := c.Bazel(t, append(append([]string{"cquery", "--output=files"}, flags...), strings.Join(all, " + "))...)
		if execroot == "" {
			execroot, _ = c.Bazel(t, "info", "execution_root")
		}
		sums[p] = map[string]string{}
		for _, f := range strings.Fields(out) {
			sums[p][f] = nested.SHA256File(t, filepath.Join(execroot, f))
		}
	}
	return execroot, sums
}

func TestReproducible(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		t.Skip("runs under bazel test")
	}
	ws := nested.Workspace(t)
	base := t.TempDir()
	if nested.InBuildRoot() {
		base = stateDir
	}
	if err := os.RemoveAll(base); err != nil {
		t.Fatalf("removing the last run's checkouts and output bases: %v", err)
	}
	// Two checkouts at paths of different lengths and depths, each with a
	// clean output base of its own.
	a := checkout{nested.Checkout{Dir: filepath.Join(base, "a", "src"), OutputBase: filepath.Join(base, "a", "output_base")}}
	b := checkout{nested.Checkout{Dir: filepath.Join(base, "b", "second-checkout", "rules_fips140"), OutputBase: filepath.Join(base, "b", "ob")}}
	var execroots [2]string
	var sums [2]map[string]map[string]string
	for i, c := range []checkout{a, b} {
		nested.CopyTree(t, ws, c.Dir)
		t.Cleanup(c.Shutdown)
		execroots[i], sums[i] = c.build(t)
		c.Shutdown()
	}

	record(t, sums[0])
	failed := false
	for _, p := range platforms {
		paths := union(sums[0][p], sums[1][p])
		if len(paths) == 0 {
			t.Errorf("%s: no outputs", p)
		}
		for _, f := range paths {
			sa, sb := sums[0][p][f], sums[1][p][f]
			switch {
			case sa == "" || sb == "":
				t.Errorf("%s: %s is an output of only one build", p, f)
				failed = true
			case sa != sb:
				failed = true
				t.Errorf("%s: %s differs: %s != %s\n%s", p, f, sa, sb,
					explain(filepath.Join(execroots[0], f), filepath.Join(execroots[1], f)))
			}
		}
	}
	if failed {
		t.Logf("intermediate files that differ:\n%s", diffTrees(t, execroots[0], execroots[1]))
		t.Logf("checkouts and output bases kept in %s", base)
		return
	}
	os.RemoveAll(base)
}

// record writes the outputs' sha256sums to the test's undeclared outputs.
func record(t *testing.T, sums map[string]map[string]string) {
	dir := os.Getenv("TEST_UNDECLARED_OUTPUTS_DIR")
	if dir == "" {
		return
	}
	var b strings.Builder
	for _, p := range platforms {
		for _, f := range union(sums[p], nil) {
			fmt.Fprintf(&b, "%s  %s\n", sums[p][f], f)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sha256sums.txt"), []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

func union(a, b map[string]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// explain says how two files differ: diffoscope's report when it is
// available, else which ELF sections differ.
func explain(a, b string) string {
	tool := os.Getenv("FIPS140_TEST_DIFFOSCOPE")
	if tool == "" {
		tool, _ = exec.LookPath("diffoscope")
	}
	if tool != "" {
		out, _ := exec.Command(tool, "--text", "-", "--max-report-size", "200000", a, b).CombinedOutput()
		return string(out)
	}
	d, err := elfDiff(a, b)
	if err != nil {
		return fmt.Sprintf("(not comparable as ELF: %v; set FIPS140_TEST_DIFFOSCOPE for a full report)", err)
	}
	return d
}
