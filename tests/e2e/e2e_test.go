// Package e2e runs the end-to-end scenarios: separate Bazel modules under
// tests/e2e/ that use rules_fips140 as a user would (bazel_dep +
// local_path_override), each built by a nested Bazel and checked with the
// fips140 verifier.
package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// offlineRC is what bazelw's build root gives Bazel: the module overrides
// that stand in for the Bazel Central Registry.
const offlineRC = "/opt/rules_fips140/offline.bazelrc"

// workspace finds the source tree through the runfiles symlink of
// MODULE.bazel (the test runs unsandboxed, like gazelle_test).
func workspace(t *testing.T) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(filepath.Join(os.Getenv("TEST_SRCDIR"), "_main", "MODULE.bazel"))
	if err != nil {
		t.Fatalf("finding the workspace through MODULE.bazel: %v", err)
	}
	return filepath.Dir(real)
}

// bazel runs Bazel in dir: the build root's, with its offline overrides,
// or the one on PATH. outputBase persists between runs in the build root,
// so that a rerun is incremental.
func bazel(t *testing.T, dir, outputBase, rulesDir string, args ...string) string {
	t.Helper()
	stdout, stderr, err := runBazel(t, dir, outputBase, rulesDir, args...)
	if err != nil {
		t.Fatalf("bazel %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, stderr)
	}
	return stdout
}

// runBazel is bazel without the failure check: stdout, stderr and the error.
func runBazel(t *testing.T, dir, outputBase, rulesDir string, args ...string) (string, string, error) {
	t.Helper()
	startup := []string{"--output_base=" + outputBase}
	if _, err := os.Stat(offlineRC); err == nil {
		startup = append([]string{"--bazelrc=" + offlineRC}, startup...)
	}
	bin, err := exec.LookPath("bazel")
	if err != nil {
		testskip.Skipf(t, "no bazel on PATH: the e2e scenarios need one (./bazelw provides it)")
	}
	if len(args) > 0 && args[0] != "shutdown" {
		extra := []string{"--override_module=rules_fips140=" + rulesDir}
		if args[0] == "build" {
			// Bazel 7's sandboxes get a private /tmp; a checkout under /tmp
			// must be mounted into them explicitly.
			extra = append(extra, "--symlink_prefix=/", "--sandbox_add_mount_pair="+rulesDir)
		}
		args = append(args[:1:1], append(extra, args[1:]...)...)
	}
	cmd := exec.Command(bin, append(startup, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return strings.TrimSpace(stdout.String()), stderr.String(), err
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBasic(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test")
	}
	ws := workspace(t)
	// A copy, so that the scenario's Bazel leaves nothing in the source
	// tree; the module override points back at this checkout.
	dir := filepath.Join(t.TempDir(), "basic")
	copyTree(t, filepath.Join(ws, "tests/e2e/basic"), dir)
	outputBase := filepath.Join(t.TempDir(), "output_base")
	if _, err := os.Stat(offlineRC); err == nil {
		outputBase = "/var/cache/rules_fips140/e2e/basic"
	}
	defer bazel(t, dir, outputBase, ws, "shutdown")

	bazel(t, dir, outputBase, ws, "build", "//:vmlinux")
	bin := bazel(t, dir, outputBase, ws, "info", "bazel-bin")
	vmlinux := filepath.Join(bin, "vmlinux", "vmlinux")

	verifier := filepath.Join(os.Getenv("TEST_SRCDIR"), os.Getenv("FIPS140"))
	out, err := exec.Command(verifier, "verify", "--config", filepath.Join(dir, "e2e.config"), vmlinux).CombinedOutput()
	if err != nil {
		t.Fatalf("fips140 verify %s: %v\n%s", vmlinux, err, out)
	}
	if n := strings.Count("\n"+string(out), "\nok "); n < 5 {
		t.Errorf("fips140 verify passed only %d checks:\n%s", n, out)
	}
}

// TestMissingPin fetches a pinned package that neither the mirror nor the
// snapshot archive serves: the fetch must fail with one message naming the
// package, its version and the command that moves the pins.
func TestMissingPin(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test")
	}
	ws := workspace(t)
	dir := filepath.Join(t.TempDir(), "missing_pin")
	copyTree(t, filepath.Join(ws, "tests/e2e/missing_pin"), dir)
	outputBase := filepath.Join(t.TempDir(), "output_base")
	if _, err := os.Stat(offlineRC); err == nil {
		outputBase = "/var/cache/rules_fips140/e2e/missing_pin"
	}
	defer bazel(t, dir, outputBase, ws, "shutdown")

	// A mirror that has nothing (an empty directory), so that only the
	// snapshot URL is left, which is unreachable here and has no such file
	// anywhere.
	mirror := "file://" + t.TempDir()
	_, stderr, err := runBazel(t, dir, outputBase, ws, "build", "--repo_env=RULES_FIPS140_DEBIAN_MIRROR="+mirror, "@gone//:files")
	if err == nil {
		t.Fatalf("fetching @gone succeeded; want a failure:\n%s", stderr)
	}
	for _, want := range []string{
		"Debian package gone version 1.0-1",
		"pool/main/g/gone/gone_1.0-1_amd64.deb",
		"https://snapshot.debian.org/archive/debian/20261031T000000Z/pool/main/g/gone/gone_1.0-1_amd64.deb",
		"./bazelw run //tools/repin",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the failed fetch says nothing of %q:\n%s", want, stderr)
		}
	}
	// Bazel also shows the fail() in its traceback ("Error in fail:"):
	// one ERROR line must say it all.
	errors := 0
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "ERROR:") && strings.Contains(line, "Debian package gone") {
			errors++
		}
	}
	if errors != 1 {
		t.Errorf("%d ERROR lines name the package, want one:\n%s", errors, stderr)
	}
}
