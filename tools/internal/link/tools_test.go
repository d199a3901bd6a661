package link

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// The real tools the tests run. For each tool and architecture,
// FIPS140_TEST_<TOOL>_<ARCH> (e.g. FIPS140_TEST_LD_ARM64, with TOOL one of
// LD, OBJCOPY, CC, AR) names it; otherwise it is looked up on PATH by its
// cross name (and, for the host's architecture, its plain name). If
// FIPS140_TEST_CHROOT names a root (e.g. the sid build root), tools found
// in neither place are taken from that root: binutils run from the host
// through the root's dynamic loader (so they take host paths), and the C
// compiler runs inside the root with chroot.
const chrootEnv = "FIPS140_TEST_CHROOT"

// toolchain is one architecture's tools.
type toolchain struct {
	arch        elf.Arch
	ld, objcopy string // runnable on the host
	ar          string // runnable on the host
	cc          string // on the host, or inside ccRoot
	ccRoot      string
}

func testToolEnv(name string, arch elf.Arch) string {
	return "FIPS140_TEST_" + name + "_" + strings.ToUpper(arch.String())
}

func crossPrefix(arch elf.Arch) string {
	return map[elf.Arch]string{elf.X86_64: "x86_64-linux-gnu-", elf.ARM64: "aarch64-linux-gnu-"}[arch]
}

func isNative(arch elf.Arch) bool {
	return arch == elf.X86_64 && runtime.GOARCH == "amd64" || arch == elf.ARM64 && runtime.GOARCH == "arm64"
}

// findTool returns a host-runnable path for a binutils program, or skips.
// name is the variable's TOOL part, prog the program (ld, objcopy, ar).
func findTool(t *testing.T, name, prog string, arch elf.Arch) string {
	t.Helper()
	env := testToolEnv(name, arch)
	if p := os.Getenv(env); p != "" {
		return p
	}
	cands := []string{crossPrefix(arch) + prog}
	if isNative(arch) {
		cands = append(cands, prog)
	}
	for _, c := range cands {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if root := os.Getenv(chrootEnv); root != "" {
		for _, c := range cands {
			if st, err := os.Stat(filepath.Join(root, "usr/bin", c)); err == nil && !st.IsDir() {
				return loaderWrapper(t, root, c)
			}
		}
	}
	testskip.Skipf(t, "no %s for %v: set %s (or %s to a root that has %s)", prog, arch, env, chrootEnv, cands[0])
	return ""
}

// loaderWrapper writes a script that runs root's /usr/bin/prog on the host
// through root's dynamic loader and libraries.
func loaderWrapper(t *testing.T, root, prog string) string {
	t.Helper()
	loader := filepath.Join(root, "lib64/ld-linux-x86-64.so.2")
	if runtime.GOARCH == "arm64" {
		loader = filepath.Join(root, "lib/ld-linux-aarch64.so.1")
	}
	libs := filepath.Join(root, "usr/lib", map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[runtime.GOARCH])
	script := fmt.Sprintf("#!/bin/sh\nexec %s --library-path %s %s \"$@\"\n", loader, libs, filepath.Join(root, "usr/bin", prog))
	path := filepath.Join(t.TempDir(), prog)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// findCC finds the C compiler for arch, or skips.
func findCC(t *testing.T, arch elf.Arch) (cc, root string) {
	t.Helper()
	env := testToolEnv("CC", arch)
	if p := os.Getenv(env); p != "" {
		return p, ""
	}
	cands := []string{crossPrefix(arch) + "gcc"}
	if isNative(arch) {
		cands = append(cands, "gcc")
	}
	for _, c := range cands {
		if p, err := exec.LookPath(c); err == nil {
			return p, ""
		}
	}
	if root := os.Getenv(chrootEnv); root != "" {
		for _, c := range cands {
			if st, err := os.Stat(filepath.Join(root, "usr/bin", c)); err == nil && !st.IsDir() {
				return "/usr/bin/" + c, root
			}
		}
	}
	testskip.Skipf(t, "no C compiler for %v: set %s (or %s to a root that has %s)", arch, env, chrootEnv, cands[0])
	return "", ""
}

func findToolchain(t *testing.T, arch elf.Arch) *toolchain {
	t.Helper()
	tc := &toolchain{arch: arch}
	tc.cc, tc.ccRoot = findCC(t, arch)
	tc.ld = findTool(t, "LD", "ld", arch)
	tc.objcopy = findTool(t, "OBJCOPY", "objcopy", arch)
	tc.ar = findTool(t, "AR", "ar", arch)
	return tc
}

// cflags are kernel-like flags: no PIC, no GOT, no stack protector.
func cflags(arch elf.Arch) []string {
	f := []string{"-O2", "-fno-pic", "-fno-PIE", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-ffreestanding", "-Wall", "-Werror"}
	if arch == elf.X86_64 {
		f = append(f, "-mcmodel=kernel", "-mno-red-zone")
	}
	return f
}

// compile compiles the C source src to dir/name.o and returns that path.
// extra are more compiler arguments; an argument "-I=DIR" names a host
// directory the compiler must see.
func (tc *toolchain) compile(t *testing.T, dir, name, src string, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, name+".o")
	work, inside := dir, dir
	if tc.ccRoot != "" {
		w, err := os.MkdirTemp(filepath.Join(tc.ccRoot, "tmp"), "fips140-link-test-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(w)
		work, inside = w, "/tmp/"+filepath.Base(w)
	}
	var args []string
	args = append(args, cflags(tc.arch)...)
	for _, e := range extra {
		if inc, ok := strings.CutPrefix(e, "-I="); ok {
			if tc.ccRoot != "" {
				copyDir(t, inc, filepath.Join(work, "inc"+fmt.Sprint(len(args))))
				inc = inside + "/inc" + fmt.Sprint(len(args))
			}
			e = "-I" + inc
		}
		args = append(args, e)
	}
	if err := os.WriteFile(filepath.Join(work, name+".c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(args, "-c", inside+"/"+name+".c", "-o", inside+"/"+name+".o")
	var cmd *exec.Cmd
	if tc.ccRoot == "" {
		cmd = exec.Command(tc.cc, args...)
	} else {
		cmd = exec.Command("chroot", append([]string{tc.ccRoot, tc.cc}, args...)...)
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, msg)
	}
	if tc.ccRoot != "" {
		data, err := os.ReadFile(filepath.Join(work, name+".o"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// run runs a host-runnable tool in dir and fails the test on error.
func run(t *testing.T, dir, tool string, args ...string) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, msg)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sameBytes(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ: linking twice is not deterministic", a, b)
	}
}

// findLLD returns a host-runnable ld.lld (one binary for every target), or
// skips: FIPS140_TEST_LLD, else PATH, else the FIPS140_TEST_CHROOT root.
func findLLD(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FIPS140_TEST_LLD"); p != "" {
		return p
	}
	if p, err := exec.LookPath("ld.lld"); err == nil {
		return p
	}
	if root := os.Getenv(chrootEnv); root != "" {
		if st, err := os.Stat(filepath.Join(root, "usr/bin/ld.lld")); err == nil && !st.IsDir() {
			return loaderWrapper(t, root, "ld.lld")
		}
	}
	testskip.Skipf(t, "no ld.lld: set FIPS140_TEST_LLD (or %s to a root that has it)", chrootEnv)
	return ""
}
