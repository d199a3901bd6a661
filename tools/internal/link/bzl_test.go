package link

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// embeddedBzlPath finds rules/private/embedded.bzl: a runfile under Bazel,
// else relative to this package.
func embeddedBzlPath(t *testing.T) string {
	if p := os.Getenv("EMBEDDED_BZL"); p != "" {
		return filepath.Join(os.Getenv("TEST_SRCDIR"), p)
	}
	return filepath.Join("..", "..", "..", "rules", "private", "embedded.bzl")
}

// TestEmbeddedBzl keeps the rules' table of embedded sections equal to
// EmbeddedKinds, which ldwrap and the guest's reader use.
func TestEmbeddedBzl(t *testing.T) {
	path := embeddedBzlPath(t)
	want := EmbeddedBzl()
	if *update && os.Getenv("TEST_SRCDIR") == "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("%s differs from EmbeddedKinds (-want +got):\n%s\nfix with: go test ./tools/internal/link -run TestEmbeddedBzl -update", path, diff)
	}
}
