package kbuildlang

import (
	"bytes"
	"flag"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the BUILD.out files")

// TestFixtures runs the language on each testdata/<case> tree and compares
// every directory's BUILD file with its BUILD.out, and what it logs with
// expectedStderr.txt (as gazelle's gazelle_generation_test does with the
// same trees under Bazel).
func TestFixtures(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/MODULE.bazel")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no testdata/*/MODULE.bazel: %v", err)
	}
	for _, m := range cases {
		root := filepath.Dir(m)
		t.Run(filepath.Base(root), func(t *testing.T) {
			got, stderr, err := updateLogged(root, "BUILD.in")
			if err != nil {
				t.Fatal(err)
			}
			checkStderr(t, root, stderr)
			var wantDirs []string
			err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
				if err == nil && e.Name() == "BUILD.out" {
					wantDirs = append(wantDirs, p)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, w := range wantDirs {
				rel, _ := filepath.Rel(root, filepath.Dir(w))
				seen[filepath.ToSlash(rel)] = true
			}
			for rel, data := range got {
				key := rel
				if key == "" {
					key = "."
				}
				out := filepath.Join(root, filepath.FromSlash(rel), "BUILD.out")
				if *update {
					if err := os.WriteFile(out, data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(out)
				if err != nil {
					t.Errorf("%s: gazelle writes a BUILD file, but there is no BUILD.out: %v\n%s", rel, err, data)
					continue
				}
				if string(want) != string(data) {
					t.Errorf("%s/BUILD.out differs; got:\n%s", rel, data)
				}
				delete(seen, key)
			}
			for rel := range seen {
				if !*update && rel != "." {
					t.Errorf("%s has a BUILD.out, but gazelle writes no BUILD file there", rel)
				}
			}
		})
	}
}

// TestIdempotent runs the language again on its own output: nothing may
// change (gazelle_test would fail otherwise).
func TestIdempotent(t *testing.T) {
	cases, _ := filepath.Glob("testdata/*/MODULE.bazel")
	for _, m := range cases {
		root := filepath.Dir(m)
		t.Run(filepath.Base(root), func(t *testing.T) {
			tmp := t.TempDir()
			if err := os.CopyFS(tmp, os.DirFS(root)); err != nil {
				t.Fatal(err)
			}
			first, err := Update(tmp, "BUILD.out")
			if err != nil {
				t.Fatal(err)
			}
			for rel, data := range first {
				want, err := os.ReadFile(filepath.Join(tmp, filepath.FromSlash(rel), "BUILD.out"))
				if err != nil {
					t.Fatal(err)
				}
				if string(want) != string(data) {
					t.Errorf("%s: a second run changes the file:\n%s", rel, data)
				}
			}
		})
	}
}

// updateLogged runs Update and returns what it logs, formatted as the
// gazelle binary logs (cmd/gazelle sets the prefix and no timestamps).
// The log package's output is process-wide: fixtures run one at a time.
func updateLogged(root, buildIn string) (map[string][]byte, string, error) {
	var buf bytes.Buffer
	w, prefix, flags := log.Writer(), log.Prefix(), log.Flags()
	log.SetOutput(&buf)
	log.SetPrefix("gazelle: ")
	log.SetFlags(0)
	defer func() {
		log.SetOutput(w)
		log.SetPrefix(prefix)
		log.SetFlags(flags)
	}()
	out, err := Update(root, buildIn)
	return out, buf.String(), err
}

// checkStderr compares what the language logged with the case's
// expectedStderr.txt (none: nothing), as gazelle_generation_test does,
// blanks normalised; -update rewrites the file.
func checkStderr(t *testing.T, root, got string) {
	t.Helper()
	path := filepath.Join(root, "expectedStderr.txt")
	if *update {
		if got == "" {
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if strings.Join(strings.Fields(string(want)), " ") != strings.Join(strings.Fields(got), " ") {
		t.Errorf("%s differs; the language logged:\n%s", path, got)
	}
}

// TestWithoutAssume runs the libarch case without its kbuild_assume: the
// arm and arm64 parts named l-core.S cannot both be parts of one
// crypto_objs, so libl gets no target, and that is reported.
func TestWithoutAssume(t *testing.T) {
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, os.DirFS("testdata/libarch")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(tmp, "lib/crypto/BUILD.in")); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := updateLogged(tmp, "BUILD.in")
	if err != nil {
		t.Fatal(err)
	}
	build := string(out["lib/crypto"])
	if strings.Contains(build, `name = "libl"`) || !strings.Contains(build, `name = "blob-core"`) {
		t.Errorf("lib/crypto without kbuild_assume:\n%s", build)
	}
	if want := "lib/crypto/Makefile:3: libl.o: two parts named l-core.S"; !strings.Contains(stderr, want) {
		t.Errorf("log lacks %q:\n%s", want, stderr)
	}
}
