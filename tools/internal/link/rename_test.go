package link

import (
	delf "debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/testskip"

	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ and rules/private/embedded.bzl")

// partSource is an upstream-style module source as the compiler sees it
// for a module: module_init and module_exit make init_module and
// cleanup_module aliases of the part's own functions, and the address of
// init_module is kept in .init.data (as ___ADDRESSABLE does).
func partSource(name string, init, exit bool) string {
	id := "part_" + name // a C identifier, also for parts named like 842.o
	src := "static const char __" + name + "_license[] __attribute__((used, section(\".modinfo\"), aligned(1))) = \"license=GPL\";\n"
	src += "int " + id + "_helper(int x) { return x + 1; }\n"
	if init {
		src += "static int __attribute__((section(\".init.text\"))) " + id + "_init(void) { return 0; }\n"
		src += "int init_module(void) __attribute__((alias(\"" + id + "_init\")));\n"
		src += "static int (*const __" + name + "_addressable)(void) __attribute__((used, section(\".init.data\"))) = init_module;\n"
	}
	if exit {
		src += "static void __attribute__((section(\".exit.text\"))) " + id + "_exit(void) { }\n"
		src += "void cleanup_module(void) __attribute__((alias(\"" + id + "_exit\")));\n"
	}
	return src
}

// libOnlyStubs defines, for the link and modpost, what the generated
// main calls through the stand-in headers (the kernel exports these).
const libOnlyStubs = `int kstub_log(const char *fmt, ...) { return 0; }
struct list_head { void *next, *prev; } crypto_alg_list;
int crypto_alg_sem;
int crypto_has_alg(const char *name, unsigned int type, unsigned int mask) { return 0; }
void down_read(void *sem) {}
void up_read(void *sem) {}
void down_write(void *sem) {}
void up_write(void *sem) {}
long strscpy(char *dst, const char *src, unsigned long size) { return 0; }
void complete(void *x) {}
void wait_for_completion(void *x) {}
`

func kstubDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("testdata/kstub")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRenameAndMain compiles the parts with init_module and cleanup_module
// renamed by the preprocessor (as crypto_objs does), generates the main file, compiles it with the real compiler and partially links it
// with the parts: the result must define init_module and cleanup_module
// once, leave no __fips140_ symbol undefined, and the table and the unwind
// function must sit where modpost accepts their references.
func TestRenameAndMain(t *testing.T) {
	for _, arch := range elf.Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := findToolchain(t, arch)
			dir := t.TempDir()
			parts := []struct {
				name       string
				init, exit bool
			}{
				{"serpent_generic", true, true},
				{"842", true, true}, // upstream's 842.o: a part may start with a digit
				{"lib_only", false, false},
				{"wp512", true, true},
				{"rmd160", true, true},
			}
			var renamed []string
			for _, p := range parts {
				src := partSource(p.name, p.init, p.exit)
				if p.name == "lib_only" { // what the main uses from the stand-in headers
					src += libOnlyStubs
				}
				// As crypto_objs compiles an upstream part for fips140.
				out := tc.compile(t, dir, p.name, src, "-Dinit_module="+InitSymbol(p.name), "-Dcleanup_module="+ExitSymbol(p.name))
				checkRenamed(t, out, p.name, p.init, p.exit)
				renamed = append(renamed, out)
			}
			got, err := PartsFromObjects(renamed)
			if err != nil {
				t.Fatal(err)
			}
			want := []Part{{"serpent_generic", true, true}, {"842", true, true}, {"wp512", true, true}, {"rmd160", true, true}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("parts (-want +got):\n%s", diff)
			}
			c, err := MainC(got, MainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			mainO := tc.compile(t, dir, "fips140_main", c, "-I="+kstubDir(t))
			checkMainSections(t, mainO)

			args := []string{"cDPrST", "crypto-module.a"}
			for _, r := range renamed {
				args = append(args, filepath.Base(r))
			}
			run(t, dir, tc.ar, append(args, "fips140_main.o")...)
			out := filepath.Join(dir, "fips140.o")
			if _, err := (Partial{LD: Tool{Path: tc.ld}, Inputs: []string{filepath.Join(dir, "crypto-module.a")}, Out: out}).Link(); err != nil {
				t.Fatal(err)
			}
			syms := symbolStates(t, out)
			for _, name := range []string{"init_module", "cleanup_module"} {
				if syms[name] != symDefined {
					t.Errorf("fips140.o: %s is not defined", name)
				}
			}
			for name, st := range syms {
				if strings.HasPrefix(name, "__fips140_") && st != symDefined {
					t.Errorf("fips140.o: %s is undefined", name)
				}
			}

			// The real modpost must find no section mismatch, and must find
			// them in a table in .data that is not named *_ops (so that this
			// check can fail).
			modpost := realtool.Runfile(os.Getenv("FIPS140_TEST_MODPOST"))
			if modpost == "" {
				testskip.Skipf(t, "no modpost: set FIPS140_TEST_MODPOST to linux-kbuild-7.2's scripts/mod/modpost (runnable on the host) for the section-mismatch check")
			}
			if w := modpostMismatches(t, modpost, out); w != "" {
				t.Errorf("modpost reports section mismatches in the generated main file:\n%s", w)
			}
			bad := strings.ReplaceAll(c, "fips140_parts_ops", "fips140_parts")
			bad = strings.Replace(bad, "static struct fips140_part fips140_parts[]", "static struct fips140_part __attribute__((section(\".data\"))) fips140_parts[]", 1)
			badO := tc.compile(t, dir, "bad_main", bad, "-I="+kstubDir(t))
			badOut := filepath.Join(dir, "bad", "fips140.o")
			if err := os.Mkdir(filepath.Dir(badOut), 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := (Partial{LD: Tool{Path: tc.ld}, Inputs: append(renamed, badO), Out: badOut}).Link(); err != nil {
				t.Fatal(err)
			}
			if w := modpostMismatches(t, modpost, badOut); !strings.Contains(w, "fips140_parts+0x8 (section: .data) -> __fips140_init_serpent_generic") {
				t.Errorf("modpost did not report the mismatches of a table in .data without the _ops name; got:\n%s", w)
			}
		})
	}
}

// modpostMismatches runs modpost on the module object obj, as for an
// external module, and returns the section mismatches it reports.
func modpostMismatches(t *testing.T, modpost, obj string) string {
	t.Helper()
	dir := filepath.Dir(obj)
	if err := os.WriteFile(filepath.Join(dir, "modules.order"), []byte(filepath.Base(obj)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(modpost, "-o", "Module.symvers", "-T", "modules.order", "-e")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	var mism []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "section mismatch") {
			mism = append(mism, l)
		}
	}
	return strings.Join(mism, "\n")
}

func symbolStates(t *testing.T, path string) map[string]symState {
	t.Helper()
	m, _, err := moduleSymbols(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkRenamed checks a renamed part: the new names are defined, the old
// ones gone, and the reference from .init.data follows the rename.
func checkRenamed(t *testing.T, path, part string, init, exit bool) {
	t.Helper()
	syms := symbolStates(t, path)
	for name, want := range map[string]bool{InitSymbol(part): init, ExitSymbol(part): exit} {
		if (syms[name] == symDefined) != want {
			t.Errorf("%s: %s defined = %v, want %v", path, name, syms[name] == symDefined, want)
		}
	}
	for _, name := range []string{"init_module", "cleanup_module"} {
		if syms[name] != symAbsent {
			t.Errorf("%s: %s is still there", path, name)
		}
	}
	if !init {
		return
	}
	f, err := elf.Open(path, elf.Want{Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	refs := relocTargets(t, f, f.Section(".init.data"), all)
	if !slices.Contains(mapValues(refs), InitSymbol(part)) {
		t.Errorf("%s: .init.data refers to %v, want %s", path, refs, InitSymbol(part))
	}
}

func mapValues(m map[uint64]string) []string {
	var v []string
	for _, s := range m {
		v = append(v, s)
	}
	return v
}

// checkMainSections checks what modpost's section check needs: the table
// (referring to .init.text and .exit.text) is in .data (where its *_ops
// name makes it allowed) or .rodata (not checked), the
// unwind function is in .ref.text, and init and exit are in their sections.
func checkMainSections(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path, elf.Want{Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"fips140_parts_ops":  ".data or .rodata",
		"fips140_exit_parts": ".ref.text",
		"fips140_init":       ".init.text",
		"fips140_exit":       ".exit.text",
	}
	for _, s := range syms {
		sec, ok := want[s.Name]
		if !ok {
			continue
		}
		delete(want, s.Name)
		if int(s.Section) >= len(f.Sections) || !slices.Contains(strings.Split(sec, " or "), f.Sections[s.Section].Name) {
			t.Errorf("%s: %s is in section %d, want %s", path, s.Name, s.Section, sec)
		}
	}
	for name := range want {
		t.Errorf("%s: no symbol %s", path, name)
	}
}

// harness drives the generated main file in user space: each part logs its
// init and exit, and the part named by FAIL fails its init.
func harness(parts []Part) string {
	var b strings.Builder
	b.WriteString("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdarg.h>\n")
	b.WriteString("int kstub_log(const char *fmt, ...) { va_list ap; va_start(ap, fmt); printf(\"log: \"); vprintf(fmt, ap); va_end(ap); return 0; }\n")
	b.WriteString("static int failing(const char *p) { const char *f = getenv(\"FAIL\"); return f && strcmp(f, p) == 0; }\n")
	b.WriteString(harnessCrypto)
	b.WriteString("void harness_wait(void) { printf(\"wait\\n\"); }\n")
	for _, p := range parts {
		if p.Init {
			fmt.Fprintf(&b, "int %s(void) { printf(\"init %s\\n\"); return failing(%q) ? -17 : 0; }\n", InitSymbol(p.Name), p.Name, p.Name)
		}
		if p.Exit {
			fmt.Fprintf(&b, "void %s(void) { printf(\"exit %s%%s\\n\", hooked() ? \" (algorithms hooked)\" : \"\"); }\n", ExitSymbol(p.Name), p.Name)
		}
	}
	b.WriteString("int init_module(void);\nvoid cleanup_module(void);\n")
	b.WriteString("int main(void) { int err = init_module(); printf(\"init_module = %d\\n\", err); if (!err) cleanup_module(); return 0; }\n")
	return b.String()
}

// harnessCrypto stands in for the crypto API the built-in unwind uses:
// crypto_alg_list holds algorithms of this module (tested or not, one with
// its own cra_destroy) and of another one, and a larval. crypto_has_alg
// reports its lookup and fails the run when called under crypto_alg_sem
// (the test it waits for needs that lock). hooked() tells whether this
// module's algorithms have the main's cra_destroy; wait_for_completion
// plays the last put of the next of them, calling its cra_destroy.
const harnessCrypto = `#include <linux/completion.h>
#include <linux/crypto.h>
#include <linux/rwsem.h>
struct module { int id; } __this_module, other_module;
struct rw_semaphore crypto_alg_sem;
struct list_head crypto_alg_list = { &crypto_alg_list, &crypto_alg_list };
static void own_destroy(struct crypto_alg *alg) { printf("own_destroy\n"); }
static struct crypto_alg harness_algs[] = {
	{ .cra_driver_name = "other-untested", .cra_module = &other_module },
	{ .cra_driver_name = "ours-untested-1", .cra_module = &__this_module },
	{ .cra_driver_name = "ours-tested", .cra_flags = CRYPTO_ALG_TESTED, .cra_module = &__this_module },
	{ .cra_driver_name = "ours-untested-1", .cra_flags = CRYPTO_ALG_LARVAL | CRYPTO_ALG_TESTED },
	{ .cra_driver_name = "ours-untested-2", .cra_module = &__this_module },
	{ .cra_driver_name = "ours-dup", .cra_flags = CRYPTO_ALG_TESTED, .cra_module = &__this_module, .cra_destroy = own_destroy },
};
#define NALGS (sizeof(harness_algs) / sizeof(harness_algs[0]))
__attribute__((constructor)) static void harness_list(void) {
	struct list_head *prev = &crypto_alg_list;
	for (size_t i = 0; i < NALGS; i++) {
		harness_algs[i].cra_list.prev = prev;
		prev->next = &harness_algs[i].cra_list;
		prev = prev->next;
	}
	prev->next = &crypto_alg_list;
	crypto_alg_list.prev = prev;
}
void down_read(struct rw_semaphore *sem) { sem->readers++; }
void up_read(struct rw_semaphore *sem) { sem->readers--; }
void down_write(struct rw_semaphore *sem) { sem->writers++; }
void up_write(struct rw_semaphore *sem) { sem->writers--; }
long strscpy(char *dst, const char *src, size_t size) { snprintf(dst, size, "%s", src); return (long)strlen(dst); }
int crypto_has_alg(const char *name, unsigned int type, unsigned int mask) {
	if (crypto_alg_sem.readers || crypto_alg_sem.writers) { printf("crypto_has_alg under crypto_alg_sem\n"); exit(1); }
	printf("wait for %s type=%#x mask=%#x\n", name, type, mask);
	return 1;
}
static int hooked_alg(const struct crypto_alg *alg) {
	return alg->cra_module == &__this_module && alg->cra_destroy && alg->cra_destroy != own_destroy;
}
static int hooked(void) {
	int n = 0;
	for (size_t i = 0; i < NALGS; i++)
		n += hooked_alg(&harness_algs[i]);
	return n;
}
void complete(struct completion *x) { x->done++; }
void wait_for_completion(struct completion *x) {
	static size_t next;
	for (; !x->done && next < NALGS; next++)
		if (hooked_alg(&harness_algs[next]))
			harness_algs[next].cra_destroy(&harness_algs[next]);
	if (!x->done) { printf("wait_for_completion blocks forever\n"); exit(1); }
	x->done--;
	printf("last reference to an algorithm gone\n");
}
`

// hostCC finds a compiler whose programs run here, or skips the test.
func hostCC(t *testing.T) string {
	t.Helper()
	if !isNative(elf.X86_64) && !isNative(elf.ARM64) {
		testskip.Skipf(t, "no native architecture")
	}
	host := elf.X86_64
	if isNative(elf.ARM64) {
		host = elf.ARM64
	}
	cc, root := findCC(t, host)
	if root != "" {
		testskip.Skipf(t, "the compiler is in a chroot: set %s to a host compiler", testToolEnv("CC", host))
	}
	return cc
}

// TestMainCRuns compiles the generated main file with the host compiler
// against stand-in headers and runs it: inits in link order, the unwind in
// reverse after a failure (after the self-test wait), exits in reverse.
func TestMainCRuns(t *testing.T) {
	cc := hostCC(t)
	parts := []Part{{"first", true, true}, {"lib_exit_only", false, true}, {"second", true, true}, {"third", true, true}}
	const failed = "log: fips140: third: init failed: -17"
	for _, tt := range []struct {
		name string
		opts MainOptions
		// wait is what the failure path prints before the exits, unwind
		// what it prints from them on, and gone what it prints for the
		// last references when the first part fails.
		wait, unwind, gone []string
	}{
		{"hook", MainOptions{SelftestWait: "harness_wait"}, []string{"wait"},
			[]string{"exit second", "exit lib_exit_only", "exit first", "init_module = -17"}, nil},
		// The built-in unwind looks up this module's untested algorithms
		// by driver name, with CRYPTO_ALG_TESTED in type and mask and
		// CRYPTO_NOLOAD in mask, outside crypto_alg_sem; then gives each
		// of its algorithms without a cra_destroy one, calls the exits,
		// and waits for as many last references.
		{"default", MainOptions{}, []string{
			"wait for ours-untested-1 type=0x400 mask=0x8400",
			"wait for ours-untested-2 type=0x400 mask=0x8400"},
			[]string{"exit second (algorithms hooked)", "exit lib_exit_only (algorithms hooked)", "exit first (algorithms hooked)",
				"last reference to an algorithm gone", "last reference to an algorithm gone", "last reference to an algorithm gone",
				"init_module = -17"},
			[]string{"last reference to an algorithm gone", "last reference to an algorithm gone", "last reference to an algorithm gone"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			exe := buildHarness(t, cc, parts, tt.opts)
			for _, run := range []struct {
				fail string
				want []string
			}{
				{"", []string{"init first", "init second", "init third", "init_module = 0", "exit third", "exit second", "exit lib_exit_only", "exit first"}},
				{"first", slices.Concat([]string{"init first", "log: fips140: first: init failed: -17"}, tt.wait, tt.gone, []string{"init_module = -17"})},
				{"third", slices.Concat([]string{"init first", "init second", "init third", failed}, tt.wait, tt.unwind)},
			} {
				cmd := exec.Command(exe)
				cmd.Env = []string{"FAIL=" + run.fail}
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("FAIL=%s: %v\n%s", run.fail, err, out)
				}
				got := strings.Split(strings.TrimSpace(string(out)), "\n")
				if diff := cmp.Diff(run.want, got); diff != "" {
					t.Errorf("FAIL=%s: calls (-want +got):\n%s", run.fail, diff)
				}
			}
		})
	}
}

// buildHarness compiles the main file for parts with the harness.
func buildHarness(t *testing.T, cc string, parts []Part, opts MainOptions) string {
	t.Helper()
	c, err := MainC(parts, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, src := range map[string]string{"main.c": c, "harness.c": harness(parts)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(dir, "harness")
	cmd := exec.Command(cc, "-Wall", "-Werror", "-I", kstubDir(t), "-o", exe, filepath.Join(dir, "main.c"), filepath.Join(dir, "harness.c"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	return exe
}

// TestGolden compares the generated scripts and main files with the files
// under testdata/ (rewrite them with -update). The real-tool tests above
// link and compile what these files hold.
func TestGolden(t *testing.T) {
	mainC := func(parts []Part, opts MainOptions) string {
		c, err := MainC(parts, opts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	three := []Part{{"serpent_generic", true, true}, {"wp512", true, true}, {"camellia_generic", true, true}}
	for _, tt := range []struct {
		file, got string
	}{
		{"initcalls.lds", InitcallScript()},
		{"placement.x86_64.lds", DefaultPlacement(elf.X86_64, KindsFor(false, false)).Script()},
		{"placement.arm64.btf.dual.lds", DefaultPlacement(elf.ARM64, KindsFor(true, true)).Script()},
		{"main.c", mainC(three, MainOptions{})},
		{"main.noexit.c", mainC([]Part{{"serpent_generic", true, true}, {"once", true, false}}, MainOptions{})},
		{"main.wait.c", mainC(three[:1], MainOptions{SelftestWait: "crypto_wait_for_selftests"})},
		{"main.initcalls.c", mainC(three[:1], MainOptions{Initcalls: true})},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(tt.got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), tt.got); diff != "" {
				t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
			}
		})
	}
}

// TestMainCRunsInitcalls runs a generated main with the seed's initcall
// levels: level 0 and 1 before the renamed parts, level 2 after them, each
// in order; -ENODEV is quiet and other failures are reported, as the seed
// does, without stopping the rest.
func TestMainCRunsInitcalls(t *testing.T) {
	cc := hostCC(t)
	parts := []Part{{"upstream", true, true}}
	c, err := MainC(parts, MainOptions{Initcalls: true})
	if err != nil {
		t.Fatal(err)
	}
	// The levels live in sections named like C identifiers, so that ld
	// defines __start_/__stop_ symbols; --defsym gives them the seed's names.
	levels := `
typedef int (*ic)(void);
static int l0(void) { printf("level0\n"); return 0; }
static int l1a(void) { printf("level1 a\n"); return -19; }
static int l1b(void) { printf("level1 b\n"); return -5; }
static int l2(void) { printf("level2\n"); return 0; }
static ic p0 __attribute__((used, section("lvl0"))) = l0;
static ic p1a __attribute__((used, section("lvl1"))) = l1a;
static ic p1b __attribute__((used, section("lvl1"))) = l1b;
static ic p2 __attribute__((used, section("lvl2"))) = l2;
`
	var defsyms []string
	for level := 0; level < 3; level++ {
		defsyms = append(defsyms,
			fmt.Sprintf("-Wl,--defsym=__fips140_initcall%d_start=__start_lvl%d", level, level),
			fmt.Sprintf("-Wl,--defsym=__fips140_initcall%d_end=__stop_lvl%d", level, level))
	}
	dir := t.TempDir()
	for name, src := range map[string]string{"main.c": c, "harness.c": harness(parts) + levels} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(dir, "harness")
	args := append([]string{"-Wall", "-Werror", "-Wno-format", "-I", kstubDir(t), "-o", exe, filepath.Join(dir, "main.c"), filepath.Join(dir, "harness.c")}, defsyms...)
	cmd := exec.Command(cc, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{"level0", "level1 a", "level1 b", "log: fips140: initcall ", "init upstream", "level2", "init_module = 0", "exit upstream"}
	if len(got) != len(want) {
		t.Fatalf("calls = %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) || (want[i] == "log: fips140: initcall " && !strings.HasSuffix(got[i], "failed: -5")) {
			t.Errorf("call %d = %q, want %q", i, got[i], want[i])
		}
	}
}
