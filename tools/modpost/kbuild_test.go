package main

// Compiling real kernel sources as kbuild compiles the objects of an
// external module (`make -C <headers> M=<dir> modules`), for
// TestDifferentialKernelObjects.
//
// Environment:
//   - FIPS140_TEST_KERNEL_SOURCE: linux-source-7.2's crypto directories,
//     as kbuildtest.Source reads it (under Bazel, the ROOT marker of
//     @debian_linux_source_7_2). Without it the linux-source package is
//     downloaded (debpkg) and the directories taken from its tarball.
//   - FIPS140_TEST_KERNEL_TREE_X86_64, _ARM64: the ROOT marker of a tree
//     holding that architecture's headers, the common headers and
//     linux-kbuild (under Bazel, @debian_linux_headers_7_2_13_*). Without
//     them the three packages are downloaded and unpacked (debpkg).
//   - FIPS140_TEST_CC_X86_64, _ARM64: gcc 16 for the kernel's architecture
//     (default: x86_64-linux-gnu-gcc-16, aarch64-linux-gnu-gcc-16 on PATH).
//   - FIPS140_TEST_SYSROOT, as for modpost: objtool from linux-kbuild needs
//     glibc >= 2.38.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
	"github.com/rules-fips140/rules_fips140/tools/internal/kbuild/kbuildtest"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// kernelModules are four unmodified upstream crypto files, each built as a
// single-object module, in the order of the test's Kbuild file (and so of
// modules.order).
var kernelModules = []string{"wp512", "rmd160", "serpent_generic", "camellia_generic"}

const kernelRelease = "7.2.13+deb14"

// kernelTarget is one architecture's kernel and how kbuild builds for it.
type kernelTarget struct {
	arch    string     // realtool's name: x86_64 or arm64
	debArch string     // Debian's: amd64 or arm64
	headers debpkg.Pin // the architecture's headers package
	// cflags was recorded from kbuild (`make M=... V=1`) against these
	// headers, with @COMMON@/@ARCH@ for the two headers directories and
	// btftest as the module's name.
	cflags string
	// objtool is what Makefile.lib runs on each single-object module's
	// object after compiling it (CONFIG_OBJTOOL, x86 only), as seen in
	// the build log of `make V=1`; --link because CONFIG_X86_KERNEL_IBT
	// delays objtool, --module because the object is part of a module.
	objtool []string
}

var kernelTargets = []kernelTarget{
	{
		arch: "x86_64", debArch: "amd64", headers: debpkg.HeadersAmd64,
		cflags: "../internal/btf/testdata/kbuild_cflags.x86_64.txt",
		objtool: []string{"--hacks=jump_label", "--hacks=noinstr", "--hacks=skylake", "--ibt", "--prefix=16",
			"--orc", "--retpoline", "--rethunk", "--sls", "--static-call", "--uaccess", "--link", "--module"},
	},
	{
		arch: "arm64", debArch: "arm64", headers: debpkg.HeadersArm64,
		cflags: "../internal/btf/testdata/kbuild_cflags.arm64.txt",
	},
}

// headersTree holds the directories a module build reads.
type headersTree struct {
	common string // usr/src/linux-headers-<release>-common
	arch   string // usr/src/linux-headers-<release>-<arch>: .config, Module.symvers
	kbuild string // usr/lib/linux-kbuild-<release>: objtool
}

func (k kernelTarget) tree(t *testing.T) headersTree {
	t.Helper()
	common := "usr/src/linux-headers-" + kernelRelease + "-common"
	arch := "usr/src/linux-headers-" + kernelRelease + "-" + k.debArch
	kbuild := "usr/lib/linux-kbuild-" + kernelRelease
	if marker := os.Getenv("FIPS140_TEST_KERNEL_TREE_" + strings.ToUpper(k.arch)); marker != "" {
		root := filepath.Dir(realtool.Runfile(marker))
		return headersTree{filepath.Join(root, common), filepath.Join(root, arch), filepath.Join(root, kbuild)}
	}
	var dirs []string
	for _, pin := range []debpkg.Pin{debpkg.HeadersCommon, k.headers, debpkg.KbuildAmd64} {
		dir, err := debpkg.Extract(pin)
		if err != nil {
			testskip.Skipf(t, "%s unavailable (set FIPS140_TEST_KERNEL_TREE_%s, or allow the download): %v", pin.Package, strings.ToUpper(k.arch), err)
		}
		dirs = append(dirs, dir)
	}
	return headersTree{filepath.Join(dirs[0], common), filepath.Join(dirs[1], arch), filepath.Join(dirs[2], kbuild)}
}

// kernelSource returns a directory holding linux-source-7.2's crypto/:
// the modules' sources, rmd160.c's "ripemd.h" (no headers package ships
// it) and the Makefile that gives their per-file flags.
func kernelSource(t *testing.T) string {
	t.Helper()
	return kbuildtest.Source(t)
}

// buildKernelModules compiles kernelModules for k into a fresh directory,
// as kbuild does for `obj-m += wp512.o ...` in an external module's Kbuild
// file: each object from its source in that directory, with the per-file
// flags of upstream crypto/Makefile, then objtool on x86. It also writes
// modules.order.
func buildKernelModules(t *testing.T, k kernelTarget, tree headersTree, src string) string {
	t.Helper()
	cc := realtool.Find(t, "CC", k.arch, realtool.CrossNames(k.arch, "gcc-16")...)
	if cc.Root != "" {
		testskip.Skipf(t, "%s is only in %s; set %s to a gcc 16 runnable on this host", cc.Path, cc.Root, realtool.EnvName("CC", k.arch))
	}
	flags, err := os.ReadFile(k.cflags)
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(src, "crypto/Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, m := range kernelModules {
		copyFile(t, filepath.Join(src, "crypto", m+".c"), filepath.Join(dir, m+".c"))
	}
	copyFile(t, filepath.Join(src, "crypto/ripemd.h"), filepath.Join(dir, "ripemd.h"))
	var objtool []string
	if k.objtool != nil {
		// linux-kbuild's tools/objtool/objtool only picks this binary
		// by $SRCARCH; run it directly so that FIPS140_TEST_SYSROOT's
		// loader can start it.
		objtool = append(withSysroot(filepath.Join(tree.kbuild, "tools/objtool/objtool.real-x86")), k.objtool...)
	}
	errs := make([]error, len(kernelModules))
	var wg sync.WaitGroup
	for i, m := range kernelModules {
		perFile, err := perFileCFLAGS(string(makefile), m)
		if err != nil {
			t.Fatalf("%s/crypto/Makefile: %v", src, err)
		}
		args, err := kbuildCompileArgs(string(flags), tree, m, perFile)
		if err != nil {
			t.Fatalf("%s: %v", k.cflags, err)
		}
		t.Logf("%s %s", cc.Path, strings.Join(args, " "))
		wg.Add(1)
		go func(i int, m string) {
			defer wg.Done()
			if errs[i] = realtool.Try(cc, dir, args...); errs[i] != nil || objtool == nil {
				return
			}
			cmd := exec.Command(objtool[0], append(objtool[1:], m+".o")...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
			}
		}(i, m)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var order strings.Builder
	for _, m := range kernelModules {
		order.WriteString(m + ".o\n")
	}
	writeFile(t, filepath.Join(dir, "modules.order"), order.String())
	return dir
}

// withSysroot returns the argv that runs bin, through FIPS140_TEST_SYSROOT's
// dynamic loader and libraries when it is set.
func withSysroot(bin string) []string {
	root := os.Getenv("FIPS140_TEST_SYSROOT")
	if root == "" {
		return []string{bin}
	}
	return []string{
		filepath.Join(root, "lib64/ld-linux-x86-64.so.2"),
		"--library-path", filepath.Join(root, "lib/x86_64-linux-gnu") + ":" + filepath.Join(root, "usr/lib/x86_64-linux-gnu"),
		bin,
	}
}

// kbuildCompileArgs turns the recorded kbuild flags (one argument a line)
// into the arguments that compile module m from m.c in the current
// directory. Makefile.lib's c_flags are, in order: the include and
// KBUILD_CFLAGS part, the per-file CFLAGS_m.o, the sanitizers' flags
// (CFLAGS_UBSAN: -fsanitize=...), -DMODULE, then KBUILD_BASENAME and
// KBUILD_MODNAME.
func kbuildCompileArgs(recorded string, tree headersTree, m string, perFile []string) ([]string, error) {
	name := strings.NewReplacer("-", "_", ",", "_").Replace(m) // Makefile.lib's name-fix
	names := map[string]string{
		"-DKBUILD_BASENAME=":  `-DKBUILD_BASENAME="` + name + `"`,
		"-DKBUILD_MODNAME=":   `-DKBUILD_MODNAME="` + name + `"`,
		"-D__KBUILD_MODNAME=": "-D__KBUILD_MODNAME=" + name,
	}
	var args []string
	at := -1 // where the per-file flags go
	replaced := 0
	for _, line := range strings.Split(strings.TrimSpace(recorded), "\n") {
		line = strings.TrimSpace(line)
		line = strings.ReplaceAll(line, "@COMMON@", tree.common)
		line = strings.ReplaceAll(line, "@ARCH@", tree.arch)
		if at < 0 && (strings.HasPrefix(line, "-fsanitize=") || line == "-DMODULE") {
			at = len(args)
		}
		for prefix, repl := range names {
			if strings.HasPrefix(line, prefix) {
				line = repl
				replaced++
			}
		}
		args = append(args, line)
	}
	if at < 0 || replaced != len(names) || !slices.Contains(args, "-DMODULE") {
		return nil, fmt.Errorf("not the flags of a module object: want -DMODULE, KBUILD_BASENAME, KBUILD_MODNAME and __KBUILD_MODNAME")
	}
	args = slices.Insert(args, at, perFile...)
	return append(args, "-c", "-o", m+".o", m+".c"), nil
}

var (
	makeAssign   = regexp.MustCompile(`^([A-Z][A-Z_]*)_([A-Za-z0-9_,-]+)\.o\s*(::=|:=|\+=|\?=|=)\s*(.*)$`)
	makeCCOption = regexp.MustCompile(`\$\(call\s+cc-option\s*,\s*([^,()$]*?)\s*\)`)
)

// perFileCFLAGS returns CFLAGS_m.o as a kbuild Makefile (crypto/Makefile)
// sets it for the single-object module m.o, taking $(call cc-option,F) as
// F (gcc 16 takes the flags in question; the compiler refuses any it does
// not). It refuses what it cannot model: m.o missing from obj-*, a
// composite m, other per-file variables (CFLAGS_REMOVE_m.o,
// UBSAN_SANITIZE_m.o, ...), directory-wide ccflags, assignments under a
// conditional, and other make functions.
func perFileCFLAGS(makefile, m string) ([]string, error) {
	text := strings.ReplaceAll(strings.ReplaceAll(makefile, "\r\n", "\n"), "\\\n", " ")
	composite := regexp.MustCompile(`^` + regexp.QuoteMeta(m) + `-(y|m|objs|\$\([A-Z0-9_]+\))\s*(::=|:=|\+=|\?=|=)`)
	var flags []string
	set, listed := false, false
	depth := 0
	for n, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "ifeq", "ifneq", "ifdef", "ifndef":
			depth++
			continue
		case "endif":
			if depth == 0 {
				return nil, fmt.Errorf("line %d: endif without if", n+1)
			}
			depth--
			continue
		}
		if strings.HasPrefix(line, "ccflags-") || strings.HasPrefix(line, "subdir-ccflags-") {
			return nil, fmt.Errorf("line %d: directory-wide flags (%s) are not modelled", n+1, fields[0])
		}
		if strings.HasPrefix(line, "obj-") && slices.Contains(strings.Fields(strings.NewReplacer("+=", " ", ":=", " ", "=", " ").Replace(line))[1:], m+".o") {
			listed = true
		}
		if composite.MatchString(line) {
			return nil, fmt.Errorf("line %d: %s is a composite module", n+1, m)
		}
		a := makeAssign.FindStringSubmatch(line)
		if a == nil || a[2] != m {
			continue
		}
		if a[1] != "CFLAGS" {
			return nil, fmt.Errorf("line %d: %s_%s.o is set, which the test does not model", n+1, a[1], m)
		}
		if depth > 0 {
			return nil, fmt.Errorf("line %d: CFLAGS_%s.o is set under a conditional", n+1, m)
		}
		value := makeCCOption.ReplaceAllString(a[4], "$1")
		if strings.Contains(value, "$") {
			return nil, fmt.Errorf("line %d: CFLAGS_%s.o uses make functions or variables: %s", n+1, m, a[4])
		}
		switch a[3] {
		case "+=":
			flags = append(flags, strings.Fields(value)...)
		case "?=":
			if set {
				continue
			}
			flags = strings.Fields(value)
		default:
			flags = strings.Fields(value)
		}
		set = true
	}
	if depth != 0 {
		return nil, fmt.Errorf("unterminated conditional")
	}
	if !listed {
		return nil, fmt.Errorf("%s.o is not in any obj- list", m)
	}
	return flags, nil
}

// TestPerFileCFLAGSUpstream reads upstream crypto/Makefile: the flags are
// those kbuild passed (`make M=... V=1`, build-kernel-objs.sh).
func TestPerFileCFLAGSUpstream(t *testing.T) {
	if testing.Short() {
		testskip.Allowed(t, testskip.Short, "may download linux-source")
	}
	makefile, err := os.ReadFile(filepath.Join(kernelSource(t), "crypto/Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"wp512":            {"-fno-schedule-insns"},
		"rmd160":           nil,
		"serpent_generic":  {"-fsched-pressure"},
		"camellia_generic": nil,
	}
	for _, m := range kernelModules {
		got, err := perFileCFLAGS(string(makefile), m)
		if err != nil {
			t.Errorf("%s: %v", m, err)
		} else if !slices.Equal(got, want[m]) {
			t.Errorf("CFLAGS_%s.o = %q, want %q", m, got, want[m])
		}
	}
}

func TestPerFileCFLAGS(t *testing.T) {
	for _, tc := range []struct {
		name, makefile string
		want           []string
	}{
		{"none", "obj-$(CONFIG_X) += m.o\n", nil},
		{"cc-option", "obj-$(CONFIG_X) += m.o\nCFLAGS_m.o := $(call cc-option,-fno-schedule-insns)  # bug 79149\n", []string{"-fno-schedule-insns"}},
		{"append", "obj-y += a.o m.o\nCFLAGS_m.o = -O1\nCFLAGS_m.o += -DX=1 \\\n\t-DY\n", []string{"-O1", "-DX=1", "-DY"}},
		{"reset", "obj-m += m.o\nCFLAGS_m.o += -DX\nCFLAGS_m.o := -DY\n", []string{"-DY"}},
		{"conditional default", "obj-m += m.o\nCFLAGS_m.o ?= -DX\nCFLAGS_m.o ?= -DY\n", []string{"-DX"}},
		{"other files", "obj-m += m.o mm.o\nCFLAGS_mm.o := -DX\nCFLAGS_REMOVE_xm.o := -pg\nifeq ($(A),y)\nCFLAGS_x.o += -DY\nendif\n", nil},
		{"crlf", "obj-m += m.o\r\nCFLAGS_m.o := -DX\r\n", []string{"-DX"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := perFileCFLAGS(tc.makefile, "m")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPerFileCFLAGSRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, makefile, err string
	}{
		{"not listed", "obj-m += a.o\n", "not in any obj- list"},
		{"composite", "obj-m += m.o\nm-y := a.o b.o\n", "composite"},
		{"composite config", "obj-m += m.o\nm-$(CONFIG_A) += a.o\n", "composite"},
		{"remove", "obj-m += m.o\nCFLAGS_REMOVE_m.o += -pg\n", "CFLAGS_REMOVE_m.o"},
		{"sanitize", "obj-m += m.o\nUBSAN_SANITIZE_m.o := n\n", "UBSAN_SANITIZE_m.o"},
		{"conditional", "obj-m += m.o\nifdef CONFIG_A\nCFLAGS_m.o += -DA\nendif\n", "conditional"},
		{"variable", "obj-m += m.o\nCFLAGS_m.o := $(CC_FLAGS_FPU)\n", "make functions"},
		{"ccflags", "obj-m += m.o\nccflags-y += -DA\n", "directory-wide"},
		{"stray endif", "obj-m += m.o\nendif\n", "endif without if"},
		{"open if", "obj-m += m.o\nifeq (a,b)\n", "unterminated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := perFileCFLAGS(tc.makefile, "m")
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("got %q, %v; want an error with %q", got, err, tc.err)
			}
		})
	}
}

func FuzzPerFileCFLAGS(f *testing.F) {
	f.Add("obj-m += m.o\nCFLAGS_m.o := $(call cc-option,-fsched-pressure)\n")
	f.Add("ifeq ($(A),y)\nobj-m += m.o\nelse\nCFLAGS_m.o += -DX \\\n -DY\nendif\n")
	f.Fuzz(func(t *testing.T, makefile string) {
		flags, err := perFileCFLAGS(makefile, "m")
		if err != nil {
			return
		}
		for _, f := range flags {
			if f == "" || strings.ContainsAny(f, " \t\n$") {
				t.Errorf("flag %q", f)
			}
		}
	})
}

func TestKbuildCompileArgs(t *testing.T) {
	tree := headersTree{common: "/c", arch: "/a"}
	recorded := "-nostdinc\n-I@COMMON@/include\n-I@ARCH@/include\n-O2\n-g\n-fsanitize=shift\n-DMODULE\n" +
		"-DKBUILD_BASENAME=\"btftest\"\n-DKBUILD_MODNAME=\"btftest\"\n-D__KBUILD_MODNAME=btftest\n"
	got, err := kbuildCompileArgs(recorded, tree, "ser-pent", []string{"-fsched-pressure"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-nostdinc", "-I/c/include", "-I/a/include", "-O2", "-g", "-fsched-pressure", "-fsanitize=shift", "-DMODULE",
		`-DKBUILD_BASENAME="ser_pent"`, `-DKBUILD_MODNAME="ser_pent"`, "-D__KBUILD_MODNAME=ser_pent",
		"-c", "-o", "ser-pent.o", "ser-pent.c"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	noSan := strings.Replace(recorded, "-fsanitize=shift\n", "", 1)
	if got, err := kbuildCompileArgs(noSan, tree, "m", []string{"-DX"}); err != nil || got[5] != "-DX" || got[6] != "-DMODULE" {
		t.Errorf("without sanitizers: %q, %v; want -DX before -DMODULE", got, err)
	}
	for _, bad := range []string{"-O2\n", strings.Replace(recorded, "-DMODULE\n", "", 1), strings.Replace(recorded, "-D__KBUILD_MODNAME=btftest\n", "", 1)} {
		if got, err := kbuildCompileArgs(bad, tree, "m", nil); err == nil {
			t.Errorf("kbuildCompileArgs(%q) = %q, want an error", bad, got)
		}
	}
}
