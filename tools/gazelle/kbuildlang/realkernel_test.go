package kbuildlang

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/kbuild/kbuildtest"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

// realKernelTop holds the committed BUILD files generated from
// linux-source-7.2's crypto Makefiles for the real-kernel tests, one
// under each kernel directory's path (tests/realkernel/lib/crypto/...).
const realKernelTop = "../../../tests/realkernel"

// realKernelDirs are the kernel directories whose BUILD files are
// committed. A recursive one is copied whole: lib/crypto's parts live in
// x86/, arm64/..., and its mpi/ and tests/ have Makefiles (and committed
// BUILD files) of their own. crypto is read alone: its asymmetric_keys/
// has no committed BUILD file.
var realKernelDirs = []struct {
	dir       string
	recursive bool
}{
	{"crypto", false},
	{"arch/x86/crypto", true},
	{"arch/arm64/crypto", true},
	{"lib/crypto", true},
}

// TestRealKernelBuild regenerates the committed BUILD files under
// tests/realkernel from the real Makefiles (and the directories' sources,
// for headers and .c/.S) and fails when a committed file differs, or when
// gazelle writes a BUILD file that is not committed; -update rewrites
// them. The committed files' own directives configure the run.
func TestRealKernelBuild(t *testing.T) {
	src := kbuildtest.Source(t)
	top := realKernelTop
	if p := os.Getenv("FIPS140_TEST_REALKERNEL_BUILD"); p != "" {
		// Under Bazel: the runfile of tests/realkernel/crypto/BUILD.bazel.
		top = filepath.Dir(filepath.Dir(realtool.Runfile(p)))
	}
	for _, d := range realKernelDirs {
		t.Run(d.dir, func(t *testing.T) {
			checkRealKernelDir(t, src, top, d.dir, d.recursive)
		})
	}
}

func checkRealKernelDir(t *testing.T, src, top, dir string, recursive bool) {
	committed, err := committedBuilds(top, dir, recursive)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := committed[dir]; !ok {
		t.Fatalf("%s: no committed BUILD.bazel, whose directives configure the run", filepath.Join(top, dir, "BUILD.bazel"))
	}
	root := t.TempDir()
	if err := copyTree(filepath.Join(src, dir), filepath.Join(root, dir), recursive); err != nil {
		t.Fatal(err)
	}
	for rel, data := range committed {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel), "BUILD.in"), data, 0o644); err != nil {
			t.Fatalf("%s: committed, but %s has no such directory: %v", rel, dir, err)
		}
	}
	for rel := range committed {
		// Gazelle rewrites any BUILD file it finds, so a stale one is
		// known by its directory: the kernel has no Makefile there.
		if name, _ := readMakefile(filepath.Join(root, filepath.FromSlash(rel))); name == "" {
			t.Errorf("%s is committed, but %s has no Makefile or Kbuild to generate it from", filepath.Join(top, rel, "BUILD.bazel"), rel)
		}
	}
	out, err := Update(root, "BUILD.in")
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for rel := range out {
		if rel == dir || strings.HasPrefix(rel, dir+"/") {
			rels = append(rels, rel)
		}
	}
	sort.Strings(rels)
	for _, rel := range rels {
		got := out[rel]
		build := filepath.Join(top, filepath.FromSlash(rel), "BUILD.bazel")
		if *update {
			if err := os.MkdirAll(filepath.Dir(build), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(build, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, ok := committed[rel]
		if !ok {
			t.Errorf("gazelle writes %s/BUILD.bazel from %s/Makefile, but %s is not committed; run go test ./tools/gazelle/kbuildlang -run TestRealKernelBuild -update. Generated:\n%s", rel, rel, build, got)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s drifted from %s/Makefile; run go test ./tools/gazelle/kbuildlang -run TestRealKernelBuild -update. Generated:\n%s", build, rel, got)
		}
		delete(committed, rel)
	}
	if *update {
		return
	}
	for rel := range committed {
		t.Errorf("%s is committed, but gazelle writes no BUILD file there", filepath.Join(top, rel, "BUILD.bazel"))
	}
}

// committedBuilds reads the committed BUILD.bazel of dir (and, when
// recursive, of its subdirectories), keyed by kernel-relative directory.
func committedBuilds(top, dir string, recursive bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	base := filepath.Join(top, filepath.FromSlash(dir))
	if !recursive {
		data, err := os.ReadFile(filepath.Join(base, "BUILD.bazel"))
		if err == nil {
			out[dir] = data
		} else if !os.IsNotExist(err) {
			return nil, err
		}
		return out, nil
	}
	err := filepath.WalkDir(base, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == base {
				return filepath.SkipDir
			}
			return err
		}
		if e.IsDir() || e.Name() != "BUILD.bazel" {
			return nil
		}
		rel, err := filepath.Rel(base, filepath.Dir(p))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[path.Join(dir, filepath.ToSlash(rel))] = data
		return nil
	})
	return out, err
}

// copyTree copies the regular files of from (and, when recursive, of its
// subdirectories) to to.
func copyTree(from, to string, recursive bool) error {
	return filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if e.IsDir() {
			if p != from && !recursive {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		if e.Type()&fs.ModeType != 0 {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}
