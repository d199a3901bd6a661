// Package kbuildtest finds linux-source-7.2's crypto directories for tests.
// For tests only.
package kbuildtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// RealMakefiles are the crypto Makefiles of linux-source-7.2 the tests
// read (all inside Members).
var RealMakefiles = []string{
	"crypto/Makefile",
	"crypto/asymmetric_keys/Makefile",
	"arch/x86/crypto/Makefile",
	"arch/arm64/crypto/Makefile",
	"lib/crypto/Makefile",
	"lib/crypto/mpi/Makefile",
	"lib/crypto/tests/Makefile",
}

// Members are the parts of linux-source-7.2's tarball Source extracts:
// the directories of RealMakefiles. MODULE.bazel's
// @debian_linux_source_7_2 lists the same.
var Members = []string{
	"crypto",
	"arch/x86/crypto",
	"arch/arm64/crypto",
	"lib/crypto",
}

const (
	sourceTarball = "usr/src/linux-source-7.2.tar.xz"
	sourcePrefix  = "linux-source-7.2"
)

// Source returns the top of a tree holding Members: FIPS140_TEST_KERNEL_SOURCE
// (a directory, or a file at its top such as Bazel's ROOT marker), or the
// downloaded package's tarball, extracted into the cache once. It skips
// the test when neither is available.
func Source(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FIPS140_TEST_KERNEL_SOURCE"); p != "" {
		p = realtool.Runfile(p)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			p = filepath.Dir(p)
		}
		return p
	}
	pkg, err := debpkg.Extract(debpkg.Source)
	if err != nil {
		testskip.Skipf(t, "%s unavailable (set FIPS140_TEST_KERNEL_SOURCE, or allow the download): %v", debpkg.Source.Package, err)
	}
	dir := pkg + ".crypto"
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir
	}
	tar, err := exec.LookPath("tar")
	if err != nil {
		testskip.Skipf(t, "no tar to open %s (set FIPS140_TEST_KERNEL_SOURCE): %v", sourceTarball, err)
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"-xf", filepath.Join(pkg, sourceTarball), "-C", tmp, "--strip-components=1", "--"}
	for _, m := range Members {
		args = append(args, sourcePrefix+"/"+m)
	}
	if out, err := exec.Command(tar, args...).CombinedOutput(); err != nil {
		t.Fatalf("tar %q: %v\n%s", args, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}
