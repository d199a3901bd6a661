package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/repin"
)

// workspaceRoot finds the source tree. Under Bazel the test runs unsandboxed
// and follows the runfiles symlink of MODULE.bazel; under plain `go test` it
// walks up from the package directory to go.mod.
func workspaceRoot(t *testing.T) string {
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

// TestDerivedFilesAgreeWithPins checks the checkout: the files derived from
// MODULE.bazel's Debian pins (debpkg's Go copy, the toolchain's pin list,
// the kernel's ABI and repository names everywhere) agree with them.
func TestDerivedFilesAgreeWithPins(t *testing.T) {
	files, err := repin.ReadTree(workspaceRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if problems := repin.Check(files); len(problems) > 0 {
		t.Errorf("files derived from MODULE.bazel's pins disagree with them (./bazelw run //tools/repin rewrites them when it moves the pins):\n  %s", strings.Join(problems, "\n  "))
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-workspace", "/w", "-kernel=false", "-dry_run"})
	if err != nil {
		t.Fatal(err)
	}
	if o.workspace != "/w" || o.kernel || !o.dryRun || !o.runSteps || o.bazel != "/w/bazelw" {
		t.Errorf("parseFlags = %+v", o)
	}
	if _, err := parseFlags([]string{"-workspace", "", "x"}); err == nil {
		t.Error("parseFlags accepted an argument")
	}
}
