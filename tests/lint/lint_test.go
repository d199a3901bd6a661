// Package lint checks the whole source tree: Starlark must be buildifier
// formatted and lint-clean, Go must be gofmt formatted, and no ELF file (a
// build output) may lie outside testdata directories. (go vet runs on
// every Go compile through nogo; BUILD files are checked by //:gazelle_test.)
package lint

import (
	"bytes"
	"errors"
	"go/format"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/checkout"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// sourceFiles lists the tree's files for which keep returns true, skipping
// hidden directories, Bazel's convenience symlinks, testdata fixtures and
// nested modules.
func sourceFiles(t *testing.T, root string, keep func(name string) bool) []string {
	t.Helper()
	var files []string
	err := walkTree(root, false, func(path string) error {
		if keep(filepath.Base(path)) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// walkTree calls visit on each regular file under root outside hidden and
// testdata directories; nested modules (e2e scenarios, written as a user
// would write them) are left out unless withNested.
func walkTree(root string, withNested bool, visit func(path string) error) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() && path != root && !withNested {
			if _, err := os.Stat(filepath.Join(path, "MODULE.bazel")); err == nil {
				return filepath.SkipDir
			}
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return visit(path)
	})
}

func isStarlark(name string) bool {
	return name == "BUILD" || name == "BUILD.bazel" || name == "MODULE.bazel" ||
		name == "REPO.bazel" || strings.HasSuffix(name, ".bzl")
}

func TestStarlarkIsBuildifierClean(t *testing.T) {
	buildifier := os.Getenv("BUILDIFIER")
	if buildifier == "" {
		testskip.Skipf(t, "BUILDIFIER is not set: this check runs under `bazel test //tests/lint:all`")
	}
	buildifier = filepath.Join(os.Getenv("TEST_SRCDIR"), buildifier)
	root := checkout.Root(t)
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
	root := checkout.Root(t)
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

// TestNoBuildOutputsInTree fails on any ELF file (an executable, object or
// module) outside testdata directories: build outputs belong in bazel-bin,
// and the few binary fixtures a parser's tests need live in testdata.
func TestNoBuildOutputsInTree(t *testing.T) {
	root := checkout.Root(t)
	found, checked, err := elfOutsideTestdata(root)
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatalf("no files found under %s", root)
	}
	for _, f := range found {
		t.Errorf("%s is an ELF file outside testdata/: remove it (git rm --cached %s; build outputs belong in bazel-bin)", f, f)
	}
}

// TestElfOutsideTestdata shows that the check above can fail.
func TestElfOutsideTestdata(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"tool":               "\x7fELF\x02\x01\x01",
		"src/main.go":        "package main\n",
		"pkg/testdata/x.o":   "\x7fELF\x02\x01\x01",
		"pkg/sub/fips140.ko": "\x7fELF\x01",
		".git/objects/blob":  "\x7fELF",
		"short":              "\x7fEL",
	}
	for name, data := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, checked, err := elfOutsideTestdata(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pkg/sub/fips140.ko", "tool"}; strings.Join(found, " ") != strings.Join(want, " ") || checked != 4 {
		t.Errorf("elfOutsideTestdata = %q after %d files, want %q after 4", found, checked, want)
	}
}

// elfOutsideTestdata lists, relative to root, the ELF files outside
// testdata and hidden directories, and counts the files it read.
func elfOutsideTestdata(root string) (found []string, checked int, err error) {
	err = walkTree(root, true, func(path string) error {
		checked++
		elf, err := isELF(path)
		if elf {
			rel, _ := filepath.Rel(root, path)
			found = append(found, rel)
		}
		return err
	})
	return found, checked, err
}

func isELF(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	return n == 4 && string(magic) == "\x7fELF", nil
}

// rawSkip matches a call of testing's own Skip methods.
var rawSkip = regexp.MustCompile(`(\w+)\.(Skip|Skipf|SkipNow)\(`)

// TestSkipsGoThroughTestskip fails on a test that skips with testing's own
// methods: a skip passes under Bazel, so every skip goes through
// tools/testskip, which fails unless it is allowed (docs/design.md, "Skips").
func TestSkipsGoThroughTestskip(t *testing.T) {
	root := checkout.Root(t)
	files := sourceFiles(t, root, func(name string) bool { return strings.HasSuffix(name, ".go") })
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		if filepath.Dir(rel) == filepath.Join("tools", "testskip") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range rawSkip.FindAllStringSubmatch(line, -1) {
				if m[1] != "testskip" {
					t.Errorf("%s:%d: %s.%s skips silently; use testskip.Skipf (or testskip.Allowed for a reason on its allow-list)", rel, i+1, m[1], m[2])
				}
			}
		}
	}
}
