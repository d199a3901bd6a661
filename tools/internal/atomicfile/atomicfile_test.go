package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	for _, content := range []string{"first\n", "second\n"} {
		if err := Write(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the output (temporary file left behind?)", len(entries))
	}
}

func TestWriteMissingDirNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "dir", "out")
	err := Write(p, []byte("x"))
	if err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
	if got := err.Error(); !strings.Contains(got, p) {
		t.Errorf("error %q does not name %s", got, p)
	}
}

func TestWriteIfChangedKeepsMtime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := Write(p, []byte("same")); err != nil {
		t.Fatal(err)
	}
	old := time.Unix(1000000000, 0)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if err := WriteIfChanged(p, []byte("same")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !st.ModTime().Equal(old) {
		t.Errorf("unchanged file was rewritten")
	}
	if err := WriteIfChanged(p, []byte("different")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "different" {
		t.Errorf("changed file holds %q", got)
	}
}
