// Package repro builds the certification outputs twice, from two checkouts
// at different paths with two clean output bases, and requires the same
// bytes: fips140.ko, its digest, the =m modules and vmlinux, for x86_64 and
// arm64, on the example and on the real-kernel build.
package repro

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// offlineRC is what bazelw's build root gives Bazel: the module overrides
// that stand in for the Bazel Central Registry.
const offlineRC = "/opt/rules_fips140/offline.bazelrc"

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
	// fips140: the module vmlinux embeds, its digest and the =m modules;
	// btf: the module BTF that vmlinux embeds.
	outputGroups = "--output_groups=+fips140,+btf"
	// The packages whose intermediate files are compared too when an
	// output differs, to show where a difference starts.
	packages = []string{"examples", "tests/realkernel"}
)

// workspace finds the source tree through the runfiles symlink of
// MODULE.bazel (the test runs unsandboxed, like gazelle_test).
func workspace(t *testing.T) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(filepath.Join(os.Getenv("TEST_SRCDIR"), "_main", "MODULE.bazel"))
	if err != nil {
		t.Fatalf("finding the workspace through MODULE.bazel: %v", err)
	}
	return filepath.Dir(real)
}

// checkout is one copy of the source tree and its own output base.
type checkout struct {
	dir, outputBase string
}

func (c checkout) bazel(t *testing.T, args ...string) string {
	t.Helper()
	startup := []string{"--output_base=" + c.outputBase}
	if _, err := os.Stat(offlineRC); err == nil {
		startup = append([]string{"--bazelrc=" + offlineRC}, startup...)
	}
	bin, err := exec.LookPath("bazel")
	if err != nil {
		t.Skip("no bazel on PATH: the reproducibility test needs one (./bazelw provides it)")
	}
	cmd := exec.Command(bin, append(startup, args...)...)
	cmd.Dir = c.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s (in %s): %v\n%s", strings.Join(cmd.Args, " "), c.dir, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// shutdown stops the checkout's Bazel server, if one runs.
func (c checkout) shutdown() {
	if _, err := os.Stat(c.outputBase); err != nil {
		return
	}
	startup := []string{"--output_base=" + c.outputBase}
	if _, err := os.Stat(offlineRC); err == nil {
		startup = append([]string{"--bazelrc=" + offlineRC}, startup...)
	}
	cmd := exec.Command("bazel", append(startup, "shutdown")...)
	cmd.Dir = c.dir
	cmd.Run()
}

// copyTree copies the regular files of a source tree: no .git, and no
// symlinks (bazel-* convenience links).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case !d.Type().IsRegular() || rel == "user.bazelrc":
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copying %s to %s: %v", from, to, err)
	}
}

// build builds the targets for each platform and returns the sha256 of
// every output, keyed by platform and execroot-relative path.
func (c checkout) build(t *testing.T) (execroot string, sums map[string]map[string]string) {
	t.Helper()
	sums = map[string]map[string]string{}
	for _, p := range platforms {
		flags := []string{"--platforms=//platforms:" + p, outputGroups}
		c.bazel(t, append(append([]string{"build"}, flags...), targets...)...)
		out := c.bazel(t, append(append([]string{"cquery", "--output=files"}, flags...), strings.Join(targets, " + "))...)
		if execroot == "" {
			execroot = c.bazel(t, "info", "execution_root")
		}
		sums[p] = map[string]string{}
		for _, f := range strings.Fields(out) {
			sums[p][f] = sha256File(t, filepath.Join(execroot, f))
		}
	}
	return execroot, sums
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestReproducible(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		t.Skip("runs under bazel test")
	}
	ws := workspace(t)
	base := t.TempDir()
	if _, err := os.Stat(offlineRC); err == nil {
		base = stateDir
	}
	if err := os.RemoveAll(base); err != nil {
		t.Fatalf("removing the last run's checkouts and output bases: %v", err)
	}
	// Two checkouts at paths of different lengths and depths, each with a
	// clean output base of its own.
	a := checkout{dir: filepath.Join(base, "a", "src"), outputBase: filepath.Join(base, "a", "output_base")}
	b := checkout{dir: filepath.Join(base, "b", "second-checkout", "rules_fips140"), outputBase: filepath.Join(base, "b", "ob")}
	var execroots [2]string
	var sums [2]map[string]map[string]string
	for i, c := range []checkout{a, b} {
		copyTree(t, ws, c.dir)
		t.Cleanup(c.shutdown)
		execroots[i], sums[i] = c.build(t)
		c.shutdown()
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
