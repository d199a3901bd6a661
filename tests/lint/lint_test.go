// Package lint checks the whole source tree: Starlark must be buildifier
// formatted and lint-clean, and Go must be gofmt formatted. (go vet runs on
// every Go compile through nogo; BUILD files are checked by //:gazelle_test.)
package lint

import (
	"bytes"
	"errors"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// sourceFiles lists the tree's files for which keep returns true, skipping
// hidden directories, Bazel's convenience symlinks, testdata fixtures and
// nested modules.
func sourceFiles(t *testing.T, root string, keep func(name string) bool) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		// A nested module (an e2e scenario) is a user's workspace, written
		// as a user would; it is not this tree's to format.
		if d.IsDir() && path != root {
			if _, err := os.Stat(filepath.Join(path, "MODULE.bazel")); err == nil {
				return filepath.SkipDir
			}
		}
		if d.Type()&fs.ModeSymlink != 0 || d.IsDir() {
			return nil
		}
		if keep(name) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func isStarlark(name string) bool {
	return name == "BUILD" || name == "BUILD.bazel" || name == "MODULE.bazel" ||
		name == "REPO.bazel" || strings.HasSuffix(name, ".bzl")
}

func TestStarlarkIsBuildifierClean(t *testing.T) {
	buildifier := os.Getenv("BUILDIFIER")
	if buildifier == "" {
		t.Skip("BUILDIFIER is not set: this check runs under `bazel test //tests/lint:all`")
	}
	buildifier = filepath.Join(os.Getenv("TEST_SRCDIR"), buildifier)
	root := workspaceRoot(t)
	files := sourceFiles(t, root, isStarlark)
	if len(files) == 0 {
		t.Fatalf("no Starlark files found under %s", root)
	}
	cmd := exec.Command(buildifier, append([]string{"--mode=check", "--lint=warn", "--warnings=all"}, files...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("running buildifier: %v", err)
		}
		t.Errorf("buildifier found problems in %d Starlark files:\n%s\nFix what it can with: ./bazelw run //:buildifier -- --lint=fix -r %s",
			len(files), strings.ReplaceAll(out.String(), root+"/", ""), root)
	}
}

func TestGoIsGofmtClean(t *testing.T) {
	root := workspaceRoot(t)
	files := sourceFiles(t, root, func(name string) bool { return strings.HasSuffix(name, ".go") })
	if len(files) == 0 {
		t.Fatalf("no Go files found under %s", root)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		formatted, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !bytes.Equal(src, formatted) {
			rel, _ := filepath.Rel(root, f)
			t.Errorf("%s is not gofmt formatted; fix with: gofmt -w %s", rel, rel)
		}
	}
}
