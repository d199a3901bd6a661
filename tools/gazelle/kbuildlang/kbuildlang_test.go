package kbuildlang

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the BUILD.out files")

// TestFixtures runs the language on each testdata/<case> tree and compares
// every directory's BUILD file with its BUILD.out (gazelle's
// gazelle_generation_test reads the same trees under Bazel), and checks
// that a second run changes nothing.
func TestFixtures(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/MODULE.bazel")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no testdata/*/MODULE.bazel: %v", err)
	}
	for _, m := range cases {
		root := filepath.Dir(m)
		t.Run(filepath.Base(root), func(t *testing.T) {
			got, err := Update(root, "BUILD.in")
			if err != nil {
				t.Fatal(err)
			}
			wantDirs, _ := filepath.Glob(filepath.Join(root, "**", "BUILD.out"))
			more, _ := filepath.Glob(filepath.Join(root, "*", "*", "*", "BUILD.out"))
			top, _ := filepath.Glob(filepath.Join(root, "BUILD.out"))
			wantDirs = append(append(wantDirs, more...), top...)
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
