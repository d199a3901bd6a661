package ar

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStoredPath follows the table in GNU ar's adjust_relative_path
// comment (bfd/archive.c), which the differential tests cannot reach
// because the results name directories outside the test's tree.
func TestStoredPath(t *testing.T) {
	root := t.TempDir()
	work := filepath.Join(root, "parent", "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	tests := []struct {
		archive, path, want string
	}{
		{"lib.a", "bar.o", "bar.o"},
		{"lib.a", "foo/bar.o", "foo/bar.o"},
		{"foo/lib.a", "bar.o", "../bar.o"},
		{"baz/lib.a", "foo/bar.o", "../foo/bar.o"},
		{"../lib.a", "bar.o", "work/bar.o"},
		{"../lib.a", "../bar.o", "bar.o"},
		{"lib.a", "../bar.o", "../bar.o"},
		{"../lib.a", "foo/bar.o", "work/foo/bar.o"},
		{"../../lib.a", "bar.o", "parent/work/bar.o"},
		{"foo/baz/lib.a", "bar.o", "../../bar.o"},
		// Lexical clean-up, as realpath does without symbolic links.
		{"out/lib.a", "./sub/../bar.o", "../bar.o"},
		// Absolute member paths stay absolute.
		{"lib.a", "/abs/dir/./bar.o", "/abs/dir/bar.o"},
		// An absolute archive path: relative to its directory.
		{filepath.Join(root, "lib.a"), "bar.o", "parent/work/bar.o"},
	}
	for _, tc := range tests {
		got, err := storedPath(tc.archive, tc.path)
		if err != nil {
			t.Errorf("storedPath(%q, %q): %v", tc.archive, tc.path, err)
			continue
		}
		if got != tc.want {
			t.Errorf("storedPath(%q, %q) = %q, want %q", tc.archive, tc.path, got, tc.want)
		}
	}
	for _, bad := range []string{"", "new\nline.o"} {
		if _, err := storedPath("lib.a", bad); err == nil {
			t.Errorf("storedPath(lib.a, %q) succeeded", bad)
		}
	}
}
