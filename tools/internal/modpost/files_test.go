package modpost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadObjectFilesKeepsOrder reads many paths concurrently and checks
// that each result belongs to its own path, whatever the order in which
// the reads finished.
func TestReadObjectFilesKeepsOrder(t *testing.T) {
	var paths, want []string
	for i := range 50 {
		switch i % 5 {
		case 0:
			paths = append(paths, objPath("x86_64", "exporter"))
			want = append(want, "exports exporter_counter")
		case 1:
			paths = append(paths, objPath("aarch64", "expdata"))
			want = append(want, "exports thing_a")
		case 2:
			paths = append(paths, filepath.Join(t.TempDir(), "missing.o"))
			want = append(want, "missing")
		case 3:
			paths = append(paths, "testdata/vmlinux.symvers")
			want = append(want, "skipped")
		case 4:
			paths = append(paths, objPath("x86_64", "user"))
			want = append(want, "exports nothing")
		}
	}
	var got []string
	for i, r := range ReadObjectFiles(paths, ".o") {
		switch {
		case errors.Is(r.Err, os.ErrNotExist) && strings.Contains(r.Err.Error(), paths[i]):
			got = append(got, "missing")
		case r.Err != nil:
			t.Fatalf("%s: %v", paths[i], r.Err)
		case r.Object == nil:
			got = append(got, "skipped")
		case r.Object.Path != paths[i]:
			t.Fatalf("result %d holds %s, want %s", i, r.Object.Path, paths[i])
		case len(r.Object.Exports) == 0:
			got = append(got, "exports nothing")
		default:
			got = append(got, "exports "+r.Object.Exports[0].Name)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// TestWriteModCFiles writes files concurrently and reports the first
// failure in order, naming its file.
func TestWriteModCFiles(t *testing.T) {
	dir := t.TempDir()
	var files []ModC
	for _, name := range []string{"a.mod.c", "b.mod.c", "c.mod.c"} {
		files = append(files, ModC{Path: filepath.Join(dir, name), Content: []byte(name + "\n")})
	}
	if err := WriteModCFiles(files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := os.ReadFile(f.Path)
		if err != nil || string(got) != string(f.Content) {
			t.Errorf("%s holds %q (%v), want %q", f.Path, got, err, f.Content)
		}
	}

	files[1].Path = filepath.Join(dir, "no-such-dir", "b.mod.c")
	files[2].Path = filepath.Join(dir, "no-such-dir-either", "c.mod.c")
	err := WriteModCFiles(files)
	if err == nil || !strings.Contains(err.Error(), files[1].Path) {
		t.Errorf("WriteModCFiles = %v, want the error of %s", err, files[1].Path)
	}
}
