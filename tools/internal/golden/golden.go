// Package golden compares test output with files under testdata/, and
// rewrites them when a test binary runs with -update. For tests only.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Check compares got with testdata/name; with update it writes got there
// instead.
func Check(t testing.TB, name string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	if utf8.Valid(got) && utf8.Valid(want) {
		t.Errorf("%s differs from the golden file (-want +got):\n%s\n(run go test -update to accept)", path, cmp.Diff(string(want), string(got)))
		return
	}
	t.Errorf("%s differs from the golden file: %d bytes, got %d (run go test -update to accept)", path, len(want), len(got))
}
