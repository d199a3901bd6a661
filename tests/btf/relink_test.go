// Package btf checks that vmlinux_with_fips140's module BTF check catches a
// BTF that changes between the first link and the relink: the build's
// report says so (the default, a warning), and the same check with -strict
// fails.
package btf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

func runfile(p string) string { return filepath.Join(os.Getenv("TEST_SRCDIR"), p) }

func TestRelinkDiffers(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test, which builds the vmlinux")
	}
	files := map[string]string{}
	for _, p := range strings.Fields(os.Getenv("FILES")) {
		files[filepath.Base(p)] = runfile(p)
	}
	need := func(name string) string {
		t.Helper()
		f, ok := files[name]
		if !ok {
			t.Fatalf("the build made no %s (has %q)", name, files)
		}
		return f
	}

	// The build passed, and its report says the BTF differs.
	report, err := os.ReadFile(need("btf-relink-check.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(report), "fips140: Module BTF differs after the relink") || !strings.Contains(string(report), "BTF differs: first at type") {
		t.Errorf("report:\n%s", report)
	}

	check := func(strict bool) (int, string) {
		t.Helper()
		args := []string{"check", "-pahole", runfile(os.Getenv("PAHOLE")), "-resolve-btfids", runfile(os.Getenv("RESOLVE_BTFIDS")),
			"-first-base", need("vmlinux.first"), "-base", need("vmlinux.relinked"),
			"-report", filepath.Join(t.TempDir(), "report.txt"), "-o", filepath.Join(t.TempDir(), "vmlinux")}
		if strict {
			args = append(args, "-strict")
		}
		args = append(args, "fips140", need("fips140.ko"), need(".fips140.ko.btf"))
		cmd := exec.Command(runfile(os.Getenv("BTFSPLIT")), args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			return 0, stderr.String()
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), stderr.String()
		}
		t.Fatal(err)
		return 0, ""
	}
	if code, stderr := check(false); code != 0 || !strings.Contains(stderr, "btfsplit: warning:") || !strings.Contains(stderr, "Module BTF differs") {
		t.Errorf("default: exit %d, stderr:\n%s", code, stderr)
	}
	if code, stderr := check(true); code != 1 || strings.Contains(stderr, "warning") || !strings.Contains(stderr, "Module BTF differs") {
		t.Errorf("-strict: exit %d, want 1; stderr:\n%s", code, stderr)
	}

	// The relinked vmlinux still went out: it is the rule's output.
	out, err := os.ReadFile(runfile(os.Getenv("VMLINUX")))
	if err != nil {
		t.Fatal(err)
	}
	relinked, err := os.ReadFile(need("vmlinux.relinked"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, relinked) {
		t.Error("the output vmlinux is not the relinked one")
	}
}
