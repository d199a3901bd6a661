package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplacesWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.bin")
	if err := os.WriteFile(path, []byte("old contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "new" {
		t.Errorf("contents = %q, want %q", got, "new")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", info.Mode().Perm())
	}
}

func TestFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	boom := errors.New("boom")
	err := Write(path, func(f *os.File) error {
		if _, err := f.Write([]byte("partial")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write error = %v, want it to wrap %v", err, boom)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("directory holds %d entries after a failed write, want none (first: %s)", len(entries), entries[0].Name())
	}
}

func TestFailedWriteKeepsOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = Write(path, func(f *os.File) error { return errors.New("fail") })
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "old" {
		t.Errorf("contents = %q after a failed write, want %q", got, "old")
	}
}

func TestMissingDirectoryNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "out.bin")
	err := WriteBytes(path, nil)
	if err == nil {
		t.Fatal("WriteBytes into a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

func TestProduce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vmlinux")
	if err := Produce(path, func(tmp string) error { return os.WriteFile(tmp, []byte("linked"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "linked" {
		t.Fatalf("contents = %q, %v", got, err)
	}
	err := Produce(filepath.Join(dir, "failed"), func(tmp string) error {
		os.WriteFile(tmp, []byte("half"), 0o644)
		return errors.New("ld failed")
	})
	if err == nil {
		t.Fatal("Produce succeeded although make failed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed Produce, want only the first output", len(entries))
	}
}
