// Package checkout finds the source tree for tests that read all of it (the
// lint and pin-agreement tests).
package checkout

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the checkout's directory. Under Bazel the test runs
// unsandboxed and follows the runfiles symlink of MODULE.bazel; under plain
// `go test` it walks up from the package directory to go.mod.
func Root(t testing.TB) string {
	t.Helper()
	if srcdir := os.Getenv("TEST_SRCDIR"); srcdir != "" {
		real, err := filepath.EvalSymlinks(filepath.Join(srcdir, os.Getenv("TEST_WORKSPACE"), "MODULE.bazel"))
		if err != nil {
			t.Fatalf("finding the workspace through MODULE.bazel: %v", err)
		}
		return filepath.Dir(real)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
