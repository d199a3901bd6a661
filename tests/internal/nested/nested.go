// Package nested runs Bazel inside a test, on copies of this source tree
// with output bases of their own: what the reproducibility and remote
// tests build twice and compare.
package nested

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// offlineRC is what bazelw's build root gives Bazel: the module overrides
// that stand in for the Bazel Central Registry. Absent elsewhere.
const offlineRC = "/opt/rules_fips140/offline.bazelrc"

// InBuildRoot says whether the test runs in bazelw's build root, where
// nested servers use its offline overrides.
func InBuildRoot() bool {
	_, err := os.Stat(offlineRC)
	return err == nil
}

// Workspace finds the source tree through the runfiles symlink of
// MODULE.bazel (the tests run unsandboxed, like gazelle_test).
func Workspace(t *testing.T) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(filepath.Join(os.Getenv("TEST_SRCDIR"), "_main", "MODULE.bazel"))
	if err != nil {
		t.Fatalf("finding the workspace through MODULE.bazel: %v", err)
	}
	return filepath.Dir(real)
}

// Checkout is one copy of the source tree and its own output base.
type Checkout struct {
	Dir, OutputBase string
}

func (c Checkout) startup() []string {
	s := []string{"--output_base=" + c.OutputBase}
	if InBuildRoot() {
		s = append([]string{"--bazelrc=" + offlineRC}, s...)
	}
	return s
}

// Bazel runs a Bazel command in the checkout and returns its stdout
// (trimmed) and stderr; it fails the test, with stderr, when Bazel fails,
// and skips it when no bazel is on PATH.
func (c Checkout) Bazel(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	bin, err := exec.LookPath("bazel")
	if err != nil {
		testskip.Skipf(t, "no bazel on PATH: this test runs Bazel itself (./bazelw provides it)")
	}
	cmd := exec.Command(bin, append(c.startup(), args...)...)
	cmd.Dir = c.Dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s (in %s): %v\n%s", strings.Join(cmd.Args, " "), c.Dir, err, errOut.String())
	}
	return strings.TrimSpace(out.String()), errOut.String()
}

// Shutdown stops the checkout's Bazel server, if one runs.
func (c Checkout) Shutdown() {
	if _, err := os.Stat(c.OutputBase); err != nil {
		return
	}
	cmd := exec.Command("bazel", append(c.startup(), "shutdown")...)
	cmd.Dir = c.Dir
	cmd.Run()
}

// CopyTree copies the regular files of a source tree: no .git, no
// symlinks (bazel-* convenience links), no user.bazelrc (a user's own
// settings, such as remote endpoints).
func CopyTree(t *testing.T, from, to string) {
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

// SHA256File returns the hex sha256 of the file at path.
func SHA256File(t *testing.T, path string) string {
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
