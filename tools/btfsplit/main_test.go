package main

import (
	"bytes"
	delf "debug/elf"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/btf/btftest"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	goldenfile "github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got, *update)
}

// runCLI runs btfsplit with args and returns its exit code and output, with
// dir written as DIR.
func runCLI(dir string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	clean := func(s string) string {
		if dir == "" {
			return s
		}
		return strings.ReplaceAll(s, dir, "DIR")
	}
	return code, clean(stdout.String()), clean(stderr.String())
}

// inputs is a synthetic module and base for arch, with fake tools that
// write the module's BTF (btftest.Module) as resolve_btfids would.
type inputs struct {
	dir, module, base, pahole, resolve string
}

func newInputs(t *testing.T, arch elf.Arch, paholeFails bool) *inputs {
	t.Helper()
	dir := t.TempDir()
	in := &inputs{dir: dir}
	in.module = btftest.Write(t, dir, "fips140.ko", btftest.Object(t, arch, ".debug_info", []byte("DWARF")))
	in.base = btftest.Write(t, dir, "vmlinux", btftest.Object(t, arch, ".BTF", btftest.EmptyBase(t)))
	canned := btftest.Write(t, dir, "canned.BTF", btftest.Module(t))
	pahole := `for a; do case $a in --btf_encode_detached=*) echo raw > "${a#*=}";; esac; done` + "\n"
	if paholeFails {
		pahole = "echo 'die__process: DW_TAG_label not handled' >&2; exit 1\n"
	}
	in.pahole = btftest.Script(t, dir, "pahole", pahole)
	in.resolve = btftest.Script(t, dir, "resolve_btfids", "for a; do elf=$a; done; cp "+canned+` "$elf.BTF"`+"\n")
	return in
}

func TestSplitObject(t *testing.T) {
	for _, tc := range []struct {
		arch    elf.Arch
		section string
		prefix  string
		golden  string
	}{
		{elf.X86_64, "", "", "fips140_btf.x86_64.o"},
		{elf.ARM64, "", "", "fips140_btf.arm64.o"},
		{elf.X86_64, ".nonfips140_btf", "nonfips140_", "nonfips140_btf.x86_64.o"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			in := newInputs(t, tc.arch, false)
			btfOut, obj := filepath.Join(in.dir, "out.btf"), filepath.Join(in.dir, "out.o")
			// Arguments through a paramfile, as Bazel passes them.
			params := []string{"-module", in.module, "-base", in.base, "-pahole", in.pahole,
				"-resolve-btfids", in.resolve, "-tmpdir", in.dir, "-btf", btfOut, "-obj", obj}
			if tc.section != "" {
				params = append(params, "-section", tc.section, "-prefix", tc.prefix)
			}
			pf := btftest.Write(t, in.dir, "params", []byte(strings.Join(params, "\n")+"\n"))
			if code, _, stderr := runCLI(in.dir, "split", "@"+pf); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			blob, err := os.ReadFile(btfOut)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(blob, btftest.Module(t)) {
				t.Error("-btf is not the module's BTF")
			}
			data, err := os.ReadFile(obj)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, data)
			checkObject(t, data, tc.arch, tc.section, tc.prefix, blob)

			// object writes the same object from the blob.
			obj2 := filepath.Join(in.dir, "out2.o")
			args := []string{"object", "-arch", tc.arch.String(), "-in", btfOut, "-base", in.base, "-out", obj2}
			if tc.section != "" {
				args = append(args, "-section", tc.section, "-prefix", tc.prefix)
			}
			if code, _, stderr := runCLI(in.dir, args...); code != 0 {
				t.Fatalf("object: exit %d: %s", code, stderr)
			}
			if data2, err := os.ReadFile(obj2); err != nil || !bytes.Equal(data2, data) {
				t.Errorf("object wrote a different object than split -obj (%v)", err)
			}
		})
	}
}

// checkObject checks what vmlinux.lds needs of the object: the blob in a
// read-only allocated section, and no __start_/__stop_ symbols, which the
// linker script defines.
func checkObject(t *testing.T, data []byte, arch elf.Arch, section, prefix string, blob []byte) {
	t.Helper()
	if section == "" {
		section = ".fips140_btf"
	}
	f, err := delf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != delf.ET_REL || f.Machine != arch.Machine() {
		t.Errorf("object is %v %v, want ET_REL %v", f.Type, f.Machine, arch.Machine())
	}
	s := f.Section(section)
	if s == nil {
		t.Fatalf("no section %s", section)
	}
	if s.Flags != delf.SHF_ALLOC || s.Addralign != 8 || s.Type != delf.SHT_PROGBITS {
		t.Errorf("section %s: %v %v align %d, want PROGBITS SHF_ALLOC align 8", section, s.Type, s.Flags, s.Addralign)
	}
	if got, _ := s.Data(); !bytes.Equal(got, blob) {
		t.Errorf("section %s does not hold the blob", section)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sym := range syms {
		if sym.Name != "" {
			names = append(names, sym.Name)
		}
		if strings.HasPrefix(sym.Name, "__start_") || strings.HasPrefix(sym.Name, "__stop_") {
			t.Errorf("object defines %s, which the linker script defines", sym.Name)
		}
	}
	want := prefix + "_binary_fips140_ko_btf_start," + prefix + "_binary_fips140_ko_btf_size," + prefix + "_binary_fips140_ko_btf_end"
	if got := strings.Join(names, ","); got != section+","+want && got != want {
		t.Errorf("symbols %s, want %s", got, want)
	}
}

func TestSplitFailure(t *testing.T) {
	in := newInputs(t, elf.X86_64, true)
	btfOut, obj := filepath.Join(in.dir, "out.btf"), filepath.Join(in.dir, "out.o")
	code, _, stderr := runCLI(in.dir, "split", "-module", in.module, "-base", in.base, "-pahole", in.pahole,
		"-resolve-btfids", in.resolve, "-tmpdir", in.dir, "-btf", btfOut, "-obj", obj)
	if code != exitDiff {
		t.Errorf("exit %d, want %d", code, exitDiff)
	}
	for _, w := range []string{"btfsplit: DIR/fips140.ko: pahole failed on a copy of it: exit status 1", "die__process: DW_TAG_label not handled"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q", stderr, w)
		}
	}
	for _, p := range []string{btfOut, obj} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(in.dir, "btfsplit-*")); len(m) > 0 {
		t.Errorf("temporary files left: %q", m)
	}
}

func TestCompareCLI(t *testing.T) {
	in := newInputs(t, elf.X86_64, false)
	a := btftest.Write(t, in.dir, "a.btf", btftest.Module(t))
	b := btftest.Write(t, in.dir, "b.btf", btftest.Module(t))
	c := btftest.Write(t, in.dir, "c.btf", btftest.SplitOnEmpty(t, btftest.Marshal(t, btftest.ModuleTypes()[0])))
	bad := btftest.Write(t, in.dir, "bad.btf", []byte("not BTF"))
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"identical", []string{"-base", in.base, a, b}, exitOK},
		{"differ", []string{"-base", in.base, a, c}, exitDiff},
		{"two bases", []string{"-base", in.base, "-base2", in.base, a, c}, exitDiff},
		{"bad blob", []string{"-base", in.base, a, bad}, exitError},
		{"missing blob", []string{"-base", in.base, a, filepath.Join(in.dir, "missing.btf")}, exitError},
		{"missing base", []string{"-base", filepath.Join(in.dir, "missing"), a, b}, exitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(in.dir, append([]string{"compare"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			golden(t, "compare/"+strings.ReplaceAll(tc.name, " ", "_")+".txt", []byte(stdout+stderr))
		})
	}
}

func TestObjectBadInput(t *testing.T) {
	in := newInputs(t, elf.X86_64, false)
	blob := btftest.Write(t, in.dir, "m.btf", btftest.Module(t))
	bad := btftest.Write(t, in.dir, "bad.btf", []byte("not BTF"))
	out := filepath.Join(in.dir, "out.o")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"wrong arch", []string{"-arch", "arm64", "-in", blob, "-base", in.base}, "btfsplit: DIR/vmlinux: BTF base is for x86_64, not arm64"},
		{"bad blob", []string{"-arch", "x86_64", "-in", bad, "-base", in.base}, "btfsplit: DIR/bad.btf: not valid BTF on base DIR/vmlinux"},
		{"missing blob", []string{"-arch", "x86_64", "-in", filepath.Join(in.dir, "nope"), "-base", in.base}, "DIR/nope: no such file or directory"},
		{"base without BTF", []string{"-arch", "x86_64", "-in", blob, "-base", in.module}, "btfsplit: DIR/fips140.ko: no .BTF section"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(in.dir, append(append([]string{"object"}, tc.args...), "-out", out)...)
			if code != exitDiff || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitDiff, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an object was written")
			}
		})
	}
}

func TestUsage(t *testing.T) {
	split := []string{"split", "-module", "m.ko", "-base", "vmlinux", "-pahole", "pahole", "-resolve-btfids", "r"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no verb", nil, "usage: btfsplit split|object|compare"},
		{"unknown verb", []string{"splat"}, `unknown verb "splat"`},
		{"missing paramfile", []string{"split", "@/nonexistent/params"}, "reading parameter file"},
		{"split without tools", []string{"split", "-module", "m.ko", "-base", "vmlinux", "-btf", "o"}, "-module, -base, -pahole and -resolve-btfids are required"},
		{"split without outputs", split, "nothing to write: give -btf or -obj"},
		{"split stray argument", append(split, "-btf", "o", "extra"), `unexpected arguments: ["extra"]`},
		{"btf-base without distill", append(split, "-btf", "o", "-btf-base", "b"), "-btf-base needs -distill"},
		{"distill without btf-base", append(split, "-btf", "o", "-distill"), "-distill needs -btf-base"},
		{"btf-ids without allow", append(split, "-btf", "o", "-btf-ids", "i"), "-btf-ids needs -allow-btf-ids"},
		{"reserved section", append(split, "-obj", "o", "-section", ".symtab"), `section name ".symtab" is reserved`},
		{"object without base", []string{"object", "-arch", "x86_64", "-in", "b", "-out", "o"}, "-arch, -in, -base and -out are required"},
		{"object bad arch", []string{"object", "-arch", "riscv", "-in", "b", "-base", "v", "-out", "o"}, "-arch: "},
		{"compare one blob", []string{"compare", "a"}, "want two BTF blobs, got 1 arguments"},
		{"compare base2 alone", []string{"compare", "-base2", "b", "x", "y"}, "-base2 needs -base"},
		{"vmlinux without obj", []string{"vmlinux", "-elf", "v", "-pahole", "p", "-resolve-btfids", "r"}, "-elf, -obj, -pahole and -resolve-btfids are required"},
		{"vmlinux stray argument", []string{"vmlinux", "-elf", "v", "-obj", "o", "-pahole", "p", "-resolve-btfids", "r", "x"}, `unexpected arguments: ["x"]`},
		{"check without report", []string{"check", "-first-base", "a", "-base", "b", "-pahole", "p", "-resolve-btfids", "r", "n", "m", "f"}, "-first-base, -base, -report, -pahole and -resolve-btfids are required"},
		{"check without modules", []string{"check", "-first-base", "a", "-base", "b", "-report", "o", "-pahole", "p", "-resolve-btfids", "r"}, "want NAME MODULE BTF for each embedded module, got 0 arguments"},
		{"check half a module", []string{"check", "-first-base", "a", "-base", "b", "-report", "o", "-pahole", "p", "-resolve-btfids", "r", "n", "m"}, "got 2 arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI("", tc.args...)
			if code != exitError || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitError, tc.want)
			}
		})
	}
}

func TestVmlinuxCLI(t *testing.T) {
	in := newInputs(t, elf.ARM64, false)
	tmp := btftest.Write(t, in.dir, "tmp_vmlinux1", btftest.WithType(btftest.Object(t, elf.ARM64, ".debug_info", []byte("DWARF")), delf.ET_EXEC))
	// vmlinux's BTF is standalone.
	standalone := btftest.Marshal(t, btftest.ModuleTypes()...)
	canned := btftest.Write(t, in.dir, "standalone.BTF", standalone)
	resolve := btftest.Script(t, in.dir, "resolve_vmlinux", "for a; do elf=$a; done; cp "+canned+` "$elf.BTF"`+"\n")
	raw, obj := filepath.Join(in.dir, "vmlinux.BTF"), filepath.Join(in.dir, "btf.o")
	code, _, stderr := runCLI(in.dir, "vmlinux", "-elf", tmp, "-pahole", in.pahole, "-resolve-btfids", resolve, "-tmpdir", in.dir, "-btf", raw, "-obj", obj)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	blob, err := os.ReadFile(raw)
	if err != nil || !bytes.Equal(blob, standalone) {
		t.Fatalf("-btf is not what resolve_btfids wrote (%v)", err)
	}
	f, err := delf.Open(obj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".BTF")
	if f.Machine != delf.EM_AARCH64 || f.Type != delf.ET_REL || sec == nil || sec.Flags != delf.SHF_ALLOC {
		t.Fatalf("object: machine %v, type %v, .BTF %+v", f.Machine, f.Type, sec)
	}
	if data, _ := sec.Data(); !bytes.Equal(data, blob) {
		t.Error(".BTF does not hold the BTF")
	}

	// A vmlinux that already has BTF fails, and writes nothing.
	obj2 := filepath.Join(in.dir, "btf2.o")
	code, _, stderr = runCLI(in.dir, "vmlinux", "-elf", in.base, "-pahole", in.pahole, "-resolve-btfids", in.resolve, "-obj", obj2)
	if code != exitDiff || !strings.Contains(stderr, "btfsplit: DIR/vmlinux: already has a .BTF section") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(obj2); err == nil {
		t.Error("an object was written")
	}
}

func TestCheckCLI(t *testing.T) {
	in := newInputs(t, elf.X86_64, false)
	same := btftest.Write(t, in.dir, "same.btf", btftest.Module(t))
	other := btftest.Write(t, in.dir, "other.btf", btftest.SplitOnEmpty(t, btftest.Marshal(t, btftest.ModuleTypes()[0])))
	for _, tc := range []struct {
		name     string
		embedded string
		strict   bool
		code     int
		stderr   string
		copied   bool
	}{
		{"identical", same, false, exitOK, "", true},
		{"identical strict", same, true, exitOK, "", true},
		{"differs", other, false, exitOK, "btfsplit: warning: DIR/vmlinux: the module BTF made against the relinked vmlinux differs", true},
		{"differs strict", other, true, exitDiff, "btfsplit: DIR/vmlinux: the module BTF made against the relinked vmlinux differs", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report, out := filepath.Join(in.dir, tc.name+".txt"), filepath.Join(in.dir, tc.name+".vmlinux")
			args := []string{"check", "-first-base", in.base, "-base", in.base, "-pahole", in.pahole, "-resolve-btfids", in.resolve,
				"-tmpdir", in.dir, "-report", report, "-o", out}
			if tc.strict {
				args = append(args, "-strict")
			}
			code, _, stderr := runCLI(in.dir, append(args, "fips140", in.module, tc.embedded)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			if tc.stderr == "" && stderr != "" || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q, want %q", stderr, tc.stderr)
			}
			if tc.stderr != "" && !strings.Contains(stderr, "fips140: Module BTF differs after the relink") {
				t.Errorf("stderr %q does not say the seed's words", stderr)
			}
			got, err := os.ReadFile(out)
			if tc.copied != (err == nil) {
				t.Fatalf("vmlinux copied: %v, want %v", err == nil, tc.copied)
			}
			if want, _ := os.ReadFile(in.base); tc.copied && !bytes.Equal(got, want) {
				t.Error("-o is not the relinked vmlinux")
			}
			rep, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "check/"+strings.ReplaceAll(tc.name, " ", "_")+".txt", bytes.ReplaceAll(rep, []byte(in.dir), []byte("DIR")))
		})
	}
}
