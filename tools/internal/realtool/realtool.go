// Package realtool finds and runs the real tools (GNU binutils, gcc, llvm,
// openssl, ...) that differential tests compare the helpers against. It is
// for tests only.
//
// For a tool NAME and architecture ARCH ("x86_64" or "arm64"), the variable
// FIPS140_TEST_<NAME>_<ARCH> (e.g. FIPS140_TEST_LD_ARM64) names the program;
// otherwise it is looked up on PATH by its cross name, then its plain name
// on a native host. If FIPS140_TEST_CHROOT names a root (e.g. the sid build
// root), a tool found in neither place is run inside that root with chroot.
// A test whose tool is missing is skipped with a message naming the
// variable to set.
package realtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// ChrootEnv names the variable that points at a root holding the tools.
const ChrootEnv = "FIPS140_TEST_CHROOT"

// Tool is one program, run on the host or inside a chroot.
type Tool struct {
	Path string // on the host, or inside Root
	Root string // the chroot, or ""
}

// Toolchain is one architecture's linker, objcopy and C compiler.
type Toolchain struct {
	Arch            string // "x86_64" or "arm64"
	Emulation       string // ld -m
	LD, Objcopy, CC Tool
	Root            string // the chroot any of them needs, or ""
}

// EnvName is the variable that names tool for arch.
func EnvName(name, arch string) string {
	return "FIPS140_TEST_" + name + "_" + strings.ToUpper(arch)
}

// Find finds one tool or skips the test.
func Find(t testing.TB, name, arch string, candidates ...string) Tool {
	t.Helper()
	env := EnvName(name, arch)
	if p := os.Getenv(env); p != "" {
		return Tool{Path: p}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return Tool{Path: p}
		}
	}
	if root := os.Getenv(ChrootEnv); root != "" {
		for _, c := range candidates {
			if st, err := os.Stat(filepath.Join(root, "usr/bin", c)); err == nil && !st.IsDir() {
				return Tool{Path: "/usr/bin/" + c, Root: root}
			}
		}
	}
	testskip.Skipf(t, "no %s for %s: set %s (or %s to a root that has %s)", strings.ToLower(name), arch, env, ChrootEnv, candidates[0])
	return Tool{}
}

// CrossNames lists the names to look up for tool n on arch: the cross name
// (x86_64-linux-gnu-n, aarch64-linux-gnu-n), then n itself on a native host.
func CrossNames(arch, n string) []string {
	prefix := map[string]string{"x86_64": "x86_64-linux-gnu-", "arm64": "aarch64-linux-gnu-"}[arch]
	native := (arch == "x86_64" && runtime.GOARCH == "amd64") || (arch == "arm64" && runtime.GOARCH == "arm64")
	if native {
		return []string{prefix + n, n}
	}
	return []string{prefix + n}
}

// FindToolchain finds arch's ld, objcopy and gcc, or skips the test.
func FindToolchain(t testing.TB, arch string) *Toolchain {
	t.Helper()
	tc := &Toolchain{
		Arch:      arch,
		Emulation: map[string]string{"x86_64": "elf_x86_64", "arm64": "aarch64linux"}[arch],
		LD:        Find(t, "LD", arch, CrossNames(arch, "ld")...),
		Objcopy:   Find(t, "OBJCOPY", arch, CrossNames(arch, "objcopy")...),
		CC:        Find(t, "CC", arch, CrossNames(arch, "gcc")...),
	}
	for _, tl := range []Tool{tc.LD, tc.Objcopy, tc.CC} {
		if tl.Root != "" {
			tc.Root = tl.Root
		}
	}
	return tc
}

// WorkDir returns a fresh directory that all of tc's tools can reach.
func (tc *Toolchain) WorkDir(t testing.TB) string {
	t.Helper()
	if tc.Root == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(filepath.Join(tc.Root, "tmp"), "fips140-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Run runs tl in dir (a directory from WorkDir), failing the test on error.
func Run(t testing.TB, tl Tool, dir string, args ...string) {
	t.Helper()
	if err := Try(tl, dir, args...); err != nil {
		t.Fatal(err)
	}
}

// Try runs tl in dir and returns its error with its output.
func Try(tl Tool, dir string, args ...string) error {
	var cmd *exec.Cmd
	if tl.Root == "" {
		cmd = exec.Command(tl.Path, args...)
		cmd.Dir = dir
	} else {
		inside := "/" + strings.TrimPrefix(filepath.ToSlash(strings.TrimPrefix(dir, tl.Root)), "/")
		cmd = exec.Command("chroot", append([]string{tl.Root, "/usr/bin/env", "-C", inside, tl.Path}, args...)...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return &Error{Cmd: strings.Join(cmd.Args, " "), Err: err, Output: out.String()}
	}
	return nil
}

// Error is a tool's failure with what it printed.
type Error struct {
	Cmd, Output string
	Err         error
}

func (e *Error) Error() string { return e.Cmd + ": " + e.Err.Error() + "\n" + e.Output }

// Runfile resolves a path given to a test as $(rlocationpath ...) under
// Bazel; other paths are returned unchanged.
func Runfile(p string) string {
	if srcdir := os.Getenv("TEST_SRCDIR"); srcdir != "" && p != "" && !filepath.IsAbs(p) {
		return filepath.Join(srcdir, p)
	}
	return p
}
