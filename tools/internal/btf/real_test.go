package btf

// The real test: a small module compiled by the kernel's compiler against
// Debian's 7.2.13 headers, split by Splitter against the headers' vmlinux,
// and compared with what the kernel's own scripts/gen-btf.sh (from the
// linux-kbuild package) adds to a copy of the same module.
//
// Environment:
//   FIPS140_TEST_CHROOT         a root with gcc 16, binutils and pahole (the
//                               sid build root); its tools run with chroot,
//                               or, for pahole and resolve_btfids under
//                               Splitter, through the root's dynamic loader
//   FIPS140_TEST_PAHOLE         pahole, runnable on this host
//   FIPS140_TEST_RESOLVE_BTFIDS resolve_btfids, runnable on this host
//                               (default: the linux-kbuild package's)
//   FIPS140_TEST_CC_<ARCH>      gcc 16 for X86_64 or ARM64
//   FIPS140_TEST_LD_<ARCH>      ld
//   FIPS140_TEST_OBJCOPY_<ARCH> objcopy, for gen-btf.sh
//   FIPS140_TEST_MAKE           GNU make, to read scripts/Makefile.btf
//   FIPS140_TEST_DPKG_DEB       dpkg-deb, to unpack the packages
//   FIPS140_TEST_DEB_CACHE      where downloaded packages are kept
//   FIPS140_TEST_DEBIAN_MIRROR  the Debian mirror (default: from the
//                               host's apt sources)

import (
	"bytes"
	"crypto/sha256"
	delf "debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	ebtf "github.com/cilium/ebpf/btf"
	"github.com/rules-fips140/rules_fips140/tools/testskip"

	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"

	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

const chrootEnv = "FIPS140_TEST_CHROOT"

// The 7.2.13+deb14 packages every architecture needs besides its headers:
// the common headers, and kbuild (gen-btf.sh, Makefile.btf, resolve_btfids;
// the amd64 build serves both architectures).
var debsCommon = []debpkg.Pin{debpkg.HeadersCommon, debpkg.KbuildAmd64}

// kernel is one architecture's headers package (with the BTF-only vmlinux)
// and the tools that build a module for it.
type kernel struct {
	arch     elf.Arch
	headers  debpkg.Pin
	dir      string   // the headers' directory in the package
	srcArch  string   // the kernel's SRCARCH
	cross    string   // the tools' prefix
	ldFlags  []string // the emulation flags of Makefile.modfinal's ld -r
	cflags   string   // kbuild's flags for btftest.c, from make V=1
	toolArch string   // the suffix of FIPS140_TEST_<TOOL>_<ARCH>
}

var kernels = []kernel{
	{
		arch:     elf.X86_64,
		headers:  debpkg.HeadersAmd64,
		dir:      "usr/src/linux-headers-7.2.13+deb14-amd64",
		srcArch:  "x86",
		cross:    "x86_64-linux-gnu-",
		ldFlags:  []string{"-m", "elf_x86_64"},
		cflags:   "testdata/kbuild_cflags.x86_64.txt",
		toolArch: "X86_64",
	},
	{
		arch:     elf.ARM64,
		headers:  debpkg.HeadersArm64,
		dir:      "usr/src/linux-headers-7.2.13+deb14-arm64",
		srcArch:  "arm64",
		cross:    "aarch64-linux-gnu-",
		ldFlags:  []string{"-EL", "-maarch64elf"},
		cflags:   "testdata/kbuild_cflags.arm64.txt",
		toolArch: "ARM64",
	},
}

const (
	headersCommon = "usr/src/linux-headers-7.2.13+deb14-common"
	kbuild        = "usr/lib/linux-kbuild-7.2.13+deb14"
)

// tools finds k's compiler, linker and objcopy, or skips the test.
func (k kernel) tools(t *testing.T) (cc, ld, objcopy tool) {
	t.Helper()
	env := func(name string) string { return "FIPS140_TEST_" + name + "_" + k.toolArch }
	cc = findTool(t, env("CC"), k.cross+"gcc-16")
	ld = findTool(t, env("LD"), k.cross+"ld")
	objcopy = findTool(t, env("OBJCOPY"), k.cross+"objcopy")
	return cc, ld, objcopy
}

// tool is a program run on the host, or inside root with chroot.
type tool struct {
	path string
	root string
}

// inside maps a host path under root to the path seen inside root.
func (tl tool) inside(s string) string {
	if tl.root == "" {
		return s
	}
	return strings.ReplaceAll(s, tl.root+"/", "/")
}

// run runs tl in dir with extra environment variables, failing the test
// with its output on error.
func (tl tool) run(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	var cmd *exec.Cmd
	if tl.root == "" {
		cmd = exec.Command(tl.path, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
	} else {
		in := []string{tl.root, "/usr/bin/env", "-C", tl.inside(dir)}
		for _, e := range env {
			in = append(in, tl.inside(e))
		}
		in = append(in, tl.path)
		for _, a := range args {
			in = append(in, tl.inside(a))
		}
		cmd = exec.Command("chroot", in...)
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, out.Bytes(), stderr.Bytes())
	}
	return out.Bytes()
}

// findTool finds a tool from env, then in the chroot's /usr/bin, then on
// PATH, or skips the test naming env.
func findTool(t *testing.T, env string, names ...string) tool {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return tool{path: p}
	}
	if root := os.Getenv(chrootEnv); root != "" {
		for _, n := range names {
			if st, err := os.Stat(filepath.Join(root, "usr/bin", n)); err == nil && !st.IsDir() {
				return tool{path: "/usr/bin/" + n, root: filepath.Clean(root)}
			}
		}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return tool{path: p}
		}
	}
	testskip.Skipf(t, "no %s: set %s (or %s to a root that has it)", names[0], env, chrootEnv)
	return tool{}
}

// hostExecutable returns a path runnable on this host for binary inside
// root: a script that starts it with the root's own dynamic loader and
// libraries (root's glibc may be newer than the host's).
func hostExecutable(t *testing.T, root, binary, dir string) string {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		testskip.Skipf(t, "running %s through %s's loader needs an x86_64 host", binary, root)
	}
	loader := filepath.Join(root, "lib64/ld-linux-x86-64.so.2")
	libs := filepath.Join(root, "lib/x86_64-linux-gnu") + ":" + filepath.Join(root, "usr/lib/x86_64-linux-gnu")
	p := filepath.Join(dir, filepath.Base(binary))
	script := fmt.Sprintf("#!/bin/sh\nexec %s --library-path %s %s \"$@\"\n", loader, libs, binary)
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// workDir is a fresh directory that tools in the chroot can reach.
func workDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv(chrootEnv)
	if root == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(filepath.Join(root, "tmp"), "fips140-btf-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// kernelTree returns a tree with k's headers, the common headers and
// kbuild: FIPS140_TEST_KERNEL_TREE_<ARCH>'s, or the packages downloaded and
// unpacked into a work directory.
func kernelTree(t *testing.T, k kernel) string {
	t.Helper()
	// Under Bazel the pinned packages come unpacked from the
	// debian_linux_headers_* repositories: the variable names the tree's ROOT
	// marker file.
	if marker := os.Getenv("FIPS140_TEST_KERNEL_TREE_" + k.toolArch); marker != "" {
		return filepath.Dir(realtool.Runfile(marker))
	}
	dpkgDeb := findTool(t, "FIPS140_TEST_DPKG_DEB", "dpkg-deb")
	var debs []string
	for _, pin := range append([]debpkg.Pin{k.headers}, debsCommon...) {
		path, err := debpkg.Fetch(pin)
		if err != nil {
			testskip.Skipf(t, "%s %s unavailable (offline?): %v", pin.Package, pin.Version, err)
		}
		debs = append(debs, path)
	}
	dir := workDir(t)
	tree := filepath.Join(dir, "tree")
	for _, d := range debs {
		// dpkg-deb reads the package from the host side even in a
		// chroot: give it a copy inside the work directory.
		in := filepath.Join(dir, filepath.Base(d))
		if err := os.Link(d, in); err != nil {
			data, err := os.ReadFile(d)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dpkgDeb.run(t, dir, nil, "-x", in, tree)
		os.Remove(in)
	}
	return tree
}

// buildModule compiles testdata/btftest.c as a module object with the
// flags kbuild used for it (testdata/kbuild_cflags.ARCH.txt, recorded from
// `make M=... V=1` against these headers) and links it with the headers'
// module.lds, as Makefile.modfinal links a .ko.
func buildModule(t *testing.T, k kernel, tree string, cc, ld tool) string {
	t.Helper()
	dir := filepath.Dir(tree)
	src, err := os.ReadFile("testdata/btftest.c")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "btftest.c"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	flags, err := os.ReadFile(k.cflags)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, f := range strings.Split(strings.TrimSpace(string(flags)), "\n") {
		f = strings.ReplaceAll(f, "@COMMON@", filepath.Join(tree, headersCommon))
		f = strings.ReplaceAll(f, "@ARCH@", filepath.Join(tree, k.dir))
		args = append(args, f)
	}
	cc.run(t, dir, nil, append(args, "-c", "-o", "btftest.o", "btftest.c")...)
	ldArgs := append([]string{"-r"}, k.ldFlags...)
	ld.run(t, dir, nil, append(ldArgs, "-z", "noexecstack", "--no-warn-rwx-segments", "--build-id=sha1",
		"-T", filepath.Join(tree, k.dir, "arch", k.srcArch, "module.lds"), "-o", "btftest.ko", "btftest.o")...)
	return filepath.Join(dir, "btftest.ko")
}

// TestPaholeFlagsFromMakefile checks DefaultPaholeFlags against what the
// real scripts/Makefile.btf computes from the headers' .config in a
// reproducible build, and that only external modules distill the base.
func TestPaholeFlagsFromMakefile(t *testing.T) {
	if testing.Short() {
		testskip.Allowed(t, testskip.Short, "downloads Debian packages")
	}
	mk := findTool(t, "FIPS140_TEST_MAKE", "make")
	for _, k := range kernels {
		t.Run(k.arch.String(), func(t *testing.T) { checkPaholeFlags(t, k, mk) })
	}
}

func checkPaholeFlags(t *testing.T, k kernel, mk tool) {
	tree := kernelTree(t, k)
	cfg, err := kconfig.ParseFile(filepath.Join(tree, k.dir, ".config"))
	if err != nil {
		t.Fatal(err)
	}
	ver, err := cfg.Int("PAHOLE_VERSION")
	if err != nil {
		t.Fatal(err)
	}
	lang, err := cfg.Tristate("PAHOLE_HAS_LANG_EXCLUDE")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(tree)
	probe := filepath.Join(dir, "probe.mk")
	text := "srctree := " + mk.inside(filepath.Join(tree, kbuild)) + "\n" +
		"include $(srctree)/scripts/Kbuild.include\n" +
		"include $(srctree)/scripts/Makefile.btf\n" +
		"probe: ; @printf '%s\\n' '$(PAHOLE_FLAGS)' '$(RESOLVE_BTFIDS_FLAGS)'\n"
	if err := os.WriteFile(probe, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := []string{fmt.Sprintf("CONFIG_PAHOLE_VERSION=%d", ver), "CONFIG_PAHOLE_HAS_LANG_EXCLUDE=" + lang.String()}
	for _, tc := range []struct {
		name    string
		vars    []string
		resolve []string
	}{
		{"in-tree", []string{"KBUILD_BUILD_TIMESTAMP=@0"}, nil},
		{"external", []string{"KBUILD_BUILD_TIMESTAMP=@0", "KBUILD_EXTMOD=ext"}, []string{"--distill_base"}},
	} {
		out := mk.run(t, dir, nil, append(append([]string{"-s", "-f", probe}, vars...), tc.vars...)...)
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: make printed %q, want two lines", tc.name, out)
		}
		if got := strings.Fields(lines[0]); !slices.Equal(got, DefaultPaholeFlags) {
			t.Errorf("%s: Makefile.btf's PAHOLE_FLAGS are\n%q\nDefaultPaholeFlags are\n%q", tc.name, got, DefaultPaholeFlags)
		}
		if got := strings.Fields(lines[1]); !slices.Equal(got, tc.resolve) {
			t.Errorf("%s: RESOLVE_BTFIDS_FLAGS = %q, want %q", tc.name, got, tc.resolve)
		}
	}
}

// TestSplitReal splits a real module's BTF and checks it against
// gen-btf.sh's, byte for byte, for modules built with the kernel (BTF on
// vmlinux) and external ones (distilled .BTF.base).
func TestSplitReal(t *testing.T) {
	if testing.Short() {
		testskip.Allowed(t, testskip.Short, "downloads Debian packages and compiles a module")
	}
	for _, k := range kernels {
		t.Run(k.arch.String()+"/btftest", func(t *testing.T) {
			cc, ld, _ := k.tools(t)
			module := buildModule(t, k, kernelTree(t, k), cc, ld)
			splitReal(t, k, module, checkModuleTypes)
		})
		// The fips140.ko rules_fips140's rules build from upstream crypto
		// sources (//tests/realkernel), copied, as gen-btf.sh edits in place.
		t.Run(k.arch.String()+"/fips140", func(t *testing.T) {
			env := "FIPS140_TEST_RULE_KO_" + k.toolArch
			var ko string
			for _, p := range strings.Fields(os.Getenv(env)) {
				if strings.HasSuffix(p, "/crypto/fips140/fips140.ko") {
					ko = p
				}
			}
			if ko == "" {
				testskip.Skipf(t, "%s names no crypto/fips140/fips140.ko: run under Bazel (//tools/internal/btf:btf_test)", env)
			}
			module := filepath.Join(workDir(t), "fips140.ko")
			if err := os.WriteFile(module, mustRead(t, realtool.Runfile(ko)), 0o644); err != nil {
				t.Fatal(err)
			}
			splitReal(t, k, module, checkFips140Types)
		})
	}
}

// checkFips140Types checks that the split BTF holds the parts' own structs
// and that the base is vmlinux's.
func checkFips140Types(t *testing.T, types *Types, distilled bool) {
	t.Helper()
	for _, name := range []string{"camellia_ctx", "rmd160_ctx"} {
		if _, ok := types.TypeByName(name).(*ebtf.Struct); !ok {
			t.Errorf("no struct %s in fips140.ko's BTF", name)
		}
	}
	if !distilled && types.Base.Count() < 10000 {
		t.Errorf("base has %d types; want vmlinux's", types.Base.Count())
	}
}

func splitReal(t *testing.T, k kernel, module string, checkTypes func(*testing.T, *Types, bool)) {
	_, _, objcopy := k.tools(t)
	tree := kernelTree(t, k)
	vmlinux := filepath.Join(tree, k.dir, "vmlinux")
	kbuildResolve := filepath.Join(tree, kbuild, "tools/bpf/resolve_btfids/resolve_btfids")
	root := os.Getenv(chrootEnv)
	wrappers := t.TempDir()

	// The tools as Splitter runs them: on this host.
	pahole := os.Getenv("FIPS140_TEST_PAHOLE")
	switch {
	case pahole != "":
	case root != "":
		pahole = hostExecutable(t, root, filepath.Join(root, "usr/bin/pahole"), wrappers)
	default:
		p, err := exec.LookPath("pahole")
		if err != nil {
			testskip.Skipf(t, "no pahole: set FIPS140_TEST_PAHOLE or %s, or put pahole on PATH", chrootEnv)
		}
		pahole = p
	}
	resolve := os.Getenv("FIPS140_TEST_RESOLVE_BTFIDS")
	if resolve == "" {
		resolve = kbuildResolve
		if root != "" {
			resolve = hostExecutable(t, root, kbuildResolve, wrappers)
		}
	}
	// The tools as gen-btf.sh runs them: in the chroot if there is one.
	sh := tool{path: "/bin/sh"}
	genPahole, genResolve := pahole, resolve
	if root != "" && os.Getenv("FIPS140_TEST_PAHOLE") == "" {
		sh.root, genPahole, genResolve = filepath.Clean(root), "/usr/bin/pahole", kbuildResolve
	}
	if sh.root != objcopy.root {
		testskip.Skipf(t, "gen-btf.sh and objcopy must run on the same side of %s: set FIPS140_TEST_OBJCOPY_%s and FIPS140_TEST_PAHOLE together", chrootEnv, k.toolArch)
	}

	modSum := sha256.Sum256(mustRead(t, module))
	for _, tc := range []struct {
		name    string
		distill bool
	}{{"in-tree", false}, {"external", true}} {
		t.Run(tc.name, func(t *testing.T) {
			// The reference: the kernel's script on a copy.
			ref := filepath.Join(filepath.Dir(module), "ref-"+tc.name+".ko")
			if err := os.WriteFile(ref, mustRead(t, module), 0o644); err != nil {
				t.Fatal(err)
			}
			flags := ""
			if tc.distill {
				flags = "--distill_base"
			}
			sh.run(t, filepath.Dir(ref), []string{
				"PAHOLE=" + genPahole,
				"PAHOLE_FLAGS=" + strings.Join(DefaultPaholeFlags, " "),
				"RESOLVE_BTFIDS=" + genResolve,
				"RESOLVE_BTFIDS_FLAGS=" + flags,
				"OBJCOPY=" + objcopy.path,
				"objtree=" + filepath.Join(tree, k.dir),
			}, filepath.Join(tree, kbuild, "scripts/gen-btf.sh"), "--btf_base", vmlinux, filepath.Base(ref))
			wantBTF, wantBase := sections(t, ref, k.arch)
			if wantBTF == nil || tc.distill != (wantBase != nil) {
				t.Fatalf("gen-btf.sh made .BTF %d bytes, .BTF.base %d bytes", len(wantBTF), len(wantBase))
			}

			s := Splitter{Pahole: pahole, ResolveBTFIDs: resolve, Distill: tc.distill, TempDir: t.TempDir()}
			r, err := s.Split(module, vmlinux)
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(mustRead(t, module)) != modSum {
				t.Fatal("the module changed")
			}
			if !bytes.Equal(r.BTF, wantBTF) {
				t.Errorf(".BTF: %d bytes, gen-btf.sh made %d bytes that differ", len(r.BTF), len(wantBTF))
			}
			if !bytes.Equal(r.BTFBase, wantBase) {
				t.Errorf(".BTF.base: %d bytes, gen-btf.sh made %d bytes that differ", len(r.BTFBase), len(wantBase))
			}
			checkTypes(t, r.Types, tc.distill)

			// Compare agrees, and tells a different module apart.
			base := r.Types.Base
			want, err := Load("gen-btf.sh .BTF", wantBTF, base)
			if err != nil {
				t.Fatal(err)
			}
			if d := Compare(r.Types, want, r.BTF, wantBTF); !d.Identical {
				var b bytes.Buffer
				d.Report(&b)
				t.Errorf("Compare: %s", b.Bytes())
			}

			// Splitting is reproducible.
			again, err := s.Split(module, vmlinux)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.BTF, r.BTF) || !bytes.Equal(again.BTFBase, r.BTFBase) {
				t.Error("a second split made different BTF")
			}
		})
	}
}

// checkModuleTypes checks that the split BTF holds btftest.c's types, and
// that they refer to the base's (struct list_head comes from vmlinux).
func checkModuleTypes(t *testing.T, types *Types, distilled bool) {
	t.Helper()
	var st *ebtf.Struct
	if typ := types.TypeByName("fips140_btftest_state"); typ == nil {
		t.Fatal("no struct fips140_btftest_state in the module's BTF")
	} else {
		var ok bool
		if st, ok = typ.(*ebtf.Struct); !ok {
			t.Fatalf("fips140_btftest_state is %v, want a struct", typ)
		}
	}
	var names []string
	for _, m := range st.Members {
		names = append(names, m.Name)
	}
	if want := []string{"calls", "label", "node"}; !slices.Equal(names, want) {
		t.Errorf("struct fips140_btftest_state members %q, want %q", names, want)
	}
	// pahole gives kernel functions static linkage, exported or not.
	if _, ok := types.TypeByName("fips140_btftest_touch").(*ebtf.Func); !ok {
		t.Errorf("no func fips140_btftest_touch in the module's BTF")
	}
	node := st.Members[2].Type
	id, err := types.spec.TypeID(node)
	if err != nil {
		t.Fatal(err)
	}
	if node.TypeName() != "list_head" || id >= types.First {
		t.Errorf("member node is %v (id %d), want the base's struct list_head (ids below %d)", node, id, types.First)
	}
	if !distilled && types.Base.Count() < 10000 {
		t.Errorf("base has %d types; want vmlinux's", types.Base.Count())
	}
}

// sections returns the .BTF and .BTF.base sections of the ELF file at path.
func sections(t *testing.T, path string, arch elf.Arch) (btf, base []byte) {
	t.Helper()
	f, err := elf.Open(path, elf.Want{Arch: arch, Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if btf, err = sectionData(f, ".BTF"); err != nil {
		t.Fatal(err)
	}
	if base, err = sectionData(f, ".BTF.base"); err != nil {
		t.Fatal(err)
	}
	return btf, base
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
