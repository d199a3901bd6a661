package kbuildlang

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/kbuild/kbuildtest"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

// realKernelBuild is the committed BUILD file generated from
// linux-source-7.2's crypto/Makefile for the real-kernel tests.
const realKernelBuild = "../../../tests/realkernel/crypto/BUILD.bazel"

// TestRealKernelBuild regenerates tests/realkernel/crypto/BUILD.bazel from
// the real crypto/Makefile (and the directory's sources, for headers and
// .c/.S) and fails when the committed file differs; -update rewrites it.
// The committed file's own directives configure the run.
func TestRealKernelBuild(t *testing.T) {
	src := kbuildtest.Source(t)
	build := realKernelBuild
	if p := os.Getenv("FIPS140_TEST_REALKERNEL_BUILD"); p != "" {
		build = realtool.Runfile(p)
	}
	committed, err := os.ReadFile(build)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "crypto")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(src, "crypto"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type()&fs.ModeType != 0 {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, "crypto", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "BUILD.in"), committed, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := Update(root, "BUILD.in")
	if err != nil {
		t.Fatal(err)
	}
	got := out["crypto"]
	if *update {
		if err := os.WriteFile(build, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(got) != string(committed) {
		t.Errorf("%s drifted from crypto/Makefile; run go test ./tools/gazelle/kbuildlang -run TestRealKernelBuild -update. Generated:\n%s", build, got)
	}
}
