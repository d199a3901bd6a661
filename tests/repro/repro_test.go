// Package repro builds the certification outputs a second time, from a
// copy of the checkout at another path with a clean output base, and
// requires the bytes of the outer build (the one running this test):
// fips140.ko, its digest, the =m modules, the module BTF and vmlinux, for
// x86_64 and arm64, on the example and on the real-kernel build, and the
// real Linux 7.2 kernel that examples/linux builds and links with the module
// embedded (x86_64 only: each kernel build takes minutes, and CI has an
// hour). The outer build is sandboxed and the copy's is another output
// base, path and server: two independent builds of the same targets in the
// same configurations (:outputs_<arch> in BUILD.bazel).
package repro

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tests/internal/nested"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// stateDir holds the checkout and output base in bazelw's build root:
// outside the outer Bazel's output base, whose paths are too long for a
// nested server's socket.
const stateDir = "/var/cache/rules_fips140/repro"

var (
	platforms = []string{"x86_64", "arm64"}
	// The packages whose intermediate files are compared too when an
	// output differs, to show where a difference starts.
	packages = []string{"examples", "tests/realkernel"}
)

// output is one output file: its sha256 and where it is.
type output struct{ sum, path string }

// outputsTarget is the platform_files target holding a platform's outputs,
// and its package's directory.
func outputsTarget(platform string) (label, dir string) {
	return "//tests/repro:outputs_" + platform, "tests/repro/outputs_" + platform
}

// outerBuild returns the sha256 of every output the outer build made, keyed
// by platform and runfiles path, and the outer execroot (through the
// runfiles' symlinks).
func outerBuild(t *testing.T) (execroot string, sums map[string]map[string]output) {
	t.Helper()
	sums = map[string]map[string]output{}
	root := filepath.Join(os.Getenv("TEST_SRCDIR"), "_main")
	for _, p := range platforms {
		_, dir := outputsTarget(p)
		sums[p] = map[string]output{}
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			sums[p][rel] = output{nested.SHA256File(t, path), path}
			if execroot == "" {
				if real, err := filepath.EvalSymlinks(path); err == nil {
					if i := strings.Index(real, "/bazel-out/"); i >= 0 {
						execroot = real[:i]
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("reading the outer build's outputs: %v", err)
		}
	}
	return execroot, sums
}

// build builds every platform's outputs target in the checkout and returns
// the sha256 of every output, keyed like outerBuild's.
func build(t *testing.T, c nested.Checkout) (execroot string, sums map[string]map[string]output) {
	t.Helper()
	var labels []string
	for _, p := range platforms {
		label, _ := outputsTarget(p)
		labels = append(labels, label)
	}
	c.Bazel(t, append([]string{"build"}, labels...)...)
	execroot, _ = c.Bazel(t, "info", "execution_root")
	sums = map[string]map[string]output{}
	for i, p := range platforms {
		out, _ := c.Bazel(t, "cquery", "--output=files", labels[i])
		sums[p] = map[string]output{}
		for _, f := range strings.Fields(out) {
			// bazel-out/<configuration>/bin/<runfiles path>
			parts := strings.SplitN(f, "/", 4)
			if len(parts) != 4 || parts[0] != "bazel-out" {
				t.Fatalf("%s: an output outside bazel-out/*/bin: %s", labels[i], f)
			}
			path := filepath.Join(execroot, f)
			sums[p][parts[3]] = output{nested.SHA256File(t, path), path}
		}
	}
	return execroot, sums
}

func TestReproducible(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test")
	}
	ws := nested.Workspace(t)
	base := t.TempDir()
	if nested.InBuildRoot() {
		base = stateDir
	}
	if err := os.RemoveAll(base); err != nil {
		t.Fatalf("removing the last run's checkout and output base: %v", err)
	}
	var execroots [2]string
	var sums [2]map[string]map[string]output
	execroots[0], sums[0] = outerBuild(t)

	// A checkout at a path of another length and depth than the outer one,
	// with a clean output base of its own.
	c := nested.Checkout{Dir: filepath.Join(base, "second-checkout", "rules_fips140"), OutputBase: filepath.Join(base, "ob")}
	nested.CopyTree(t, ws, c.Dir)
	t.Cleanup(c.Shutdown)
	execroots[1], sums[1] = build(t, c)
	c.Shutdown()

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
			case sa.sum == "" || sb.sum == "":
				t.Errorf("%s: %s is an output of only one build", p, f)
				failed = true
			case sa.sum != sb.sum:
				failed = true
				t.Errorf("%s: %s differs: %s != %s\n%s", p, f, sa.sum, sb.sum, explain(sa.path, sb.path))
			}
		}
	}
	if failed {
		if execroots[0] != "" {
			t.Logf("intermediate files that differ:\n%s", diffTrees(t, execroots[0], execroots[1]))
		}
		t.Logf("the second checkout and its output base are kept in %s", base)
		return
	}
	os.RemoveAll(base)
}

// record writes the outputs' sha256sums to the test's undeclared outputs.
func record(t *testing.T, sums map[string]map[string]output) {
	dir := os.Getenv("TEST_UNDECLARED_OUTPUTS_DIR")
	if dir == "" {
		return
	}
	var b strings.Builder
	for _, p := range platforms {
		for _, f := range union(sums[p], nil) {
			fmt.Fprintf(&b, "%s  %s\n", sums[p][f].sum, f)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sha256sums.txt"), []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

func union(a, b map[string]output) []string {
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
