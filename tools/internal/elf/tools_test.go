package elf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The real tools the differential tests run. For each tool and
// architecture, FIPS140_TEST_<TOOL>_<ARCH> (e.g. FIPS140_TEST_LD_ARM64)
// names it; otherwise it is looked up on PATH by its cross name. If
// FIPS140_TEST_CHROOT names a root (e.g. the sid build root), tools found
// in neither place are run inside that root with chroot.
const chrootEnv = "FIPS140_TEST_CHROOT"

// tool is one program, run on the host or inside a chroot.
type tool struct {
	path string // on the host, or inside root
	root string // the chroot, or ""
}

// toolchain is one architecture's linker, objcopy and C compiler.
type toolchain struct {
	arch            Arch
	emulation       string // ld -m
	ld, objcopy, cc tool
	root            string // the chroot any of them needs, or ""
}

func toolEnv(name string, arch Arch) string {
	return "FIPS140_TEST_" + name + "_" + strings.ToUpper(arch.String())
}

// findTool finds one tool or skips the test, naming the variable to set.
func findTool(t *testing.T, name string, arch Arch, candidates ...string) tool {
	t.Helper()
	env := toolEnv(name, arch)
	if p := os.Getenv(env); p != "" {
		return tool{path: p}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return tool{path: p}
		}
	}
	if root := os.Getenv(chrootEnv); root != "" {
		for _, c := range candidates {
			if st, err := os.Stat(filepath.Join(root, "usr/bin", c)); err == nil && !st.IsDir() {
				return tool{path: "/usr/bin/" + c, root: root}
			}
		}
	}
	t.Skipf("no %s for %v: set %s (or %s to a root that has %s)", strings.ToLower(name), arch, env, chrootEnv, candidates[0])
	return tool{}
}

func findToolchain(t *testing.T, arch Arch) *toolchain {
	t.Helper()
	cross := map[Arch]string{X86_64: "x86_64-linux-gnu-", ARM64: "aarch64-linux-gnu-"}[arch]
	native := (arch == X86_64 && runtime.GOARCH == "amd64") || (arch == ARM64 && runtime.GOARCH == "arm64")
	names := func(n string) []string {
		if native {
			return []string{cross + n, n}
		}
		return []string{cross + n}
	}
	tc := &toolchain{
		arch:      arch,
		emulation: map[Arch]string{X86_64: "elf_x86_64", ARM64: "aarch64linux"}[arch],
		ld:        findTool(t, "LD", arch, names("ld")...),
		objcopy:   findTool(t, "OBJCOPY", arch, names("objcopy")...),
		cc:        findTool(t, "CC", arch, names("gcc")...),
	}
	for _, tl := range []tool{tc.ld, tc.objcopy, tc.cc} {
		if tl.root != "" {
			tc.root = tl.root
		}
	}
	return tc
}

// workDir returns a fresh directory that all of tc's tools can reach.
func (tc *toolchain) workDir(t *testing.T) string {
	t.Helper()
	if tc.root == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(filepath.Join(tc.root, "tmp"), "fips140-elf-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// run runs tl in dir (a directory from workDir), failing the test on error.
func (tc *toolchain) run(t *testing.T, tl tool, dir string, args ...string) {
	t.Helper()
	if err := tc.try(tl, dir, args...); err != nil {
		t.Fatal(err)
	}
}

// try runs tl in dir and returns its error with its output.
func (tc *toolchain) try(tl tool, dir string, args ...string) error {
	var cmd *exec.Cmd
	if tl.root == "" {
		cmd = exec.Command(tl.path, args...)
		cmd.Dir = dir
	} else {
		inside := "/" + strings.TrimPrefix(filepath.ToSlash(strings.TrimPrefix(dir, tl.root)), "/")
		cmd = exec.Command("chroot", append([]string{tl.root, "/usr/bin/env", "-C", inside, tl.path}, args...)...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return &toolError{cmd: strings.Join(cmd.Args, " "), err: err, out: out.String()}
	}
	return nil
}

type toolError struct {
	cmd, out string
	err      error
}

func (e *toolError) Error() string { return e.cmd + ": " + e.err.Error() + "\n" + e.out }
