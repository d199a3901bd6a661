package modpost

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/symvers"
)

var update = flag.Bool("update", false, "rewrite golden files")

var arches = []string{"x86_64", "aarch64"}

func objPath(arch, name string) string {
	return filepath.Join("testdata", "objs", arch, name+".o")
}

func readObjs(t *testing.T, arch string, names ...string) []*Object {
	t.Helper()
	var objs []*Object
	for _, n := range names {
		o, err := ReadObjectFile(objPath(arch, n))
		if err != nil {
			t.Fatal(err)
		}
		// Name modules as kbuild does for M=: the path as listed in
		// modules.order.
		o.Path = n + ".o"
		objs = append(objs, o)
	}
	return objs
}

func vmlinuxSymvers(t *testing.T) []SymversFile {
	return readSymvers(t, "vmlinux.symvers")
}

// readSymvers reads testdata/<name>.
func readSymvers(t *testing.T, name string) []SymversFile {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exports, err := symvers.Parse(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return []SymversFile{{Name: name, Exports: exports}}
}

// TestGolden compares the .mod.c files, symbol dump and messages of a
// successful run with testdata/golden/<arch>/<case>/. The same objects and
// options are checked against Debian's real modpost by the differential
// test in tools/modpost, so these goldens hold the real tool's output.
func TestGolden(t *testing.T) {
	// Side files for -m: testdata/kbuild, as if it were the working
	// directory.
	kbuild := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", "kbuild", name)) }
	crcObjects := []string{"exporter", "user", "crcexp", "friendly", "expdata"}
	cases := []struct {
		name    string
		cfg     Config
		symvers string
		objects []string
	}{
		{"external", Config{External: true}, "vmlinux.symvers", nil},
		{"intree", Config{}, "vmlinux.symvers", nil},
		{"modversions", Config{External: true, Modversions: true, BasicVersions: true, ExtendedVersions: true, ReadFile: kbuild},
			"vmlinux-crc.symvers", crcObjects},
		{"devtables", Config{External: true}, "vmlinux.symvers", []string{"devtab", "exporter"}},
	}
	for _, arch := range arches {
		for _, tc := range cases {
			t.Run(arch+"/"+tc.name, func(t *testing.T) {
				objs := tc.objects
				if objs == nil {
					objs = []string{"exporter", "user", "friendly", "expdata"}
				}
				res := Run(tc.cfg, readSymvers(t, tc.symvers), readObjs(t, arch, objs...))
				if res.Failed {
					t.Fatalf("run failed: %v", res.Diags)
				}
				got := map[string]string{}
				for _, m := range res.ModC {
					got[m.Path] = string(m.Content)
				}
				var dump bytes.Buffer
				if err := symvers.Write(&dump, res.Symvers); err != nil {
					t.Fatal(err)
				}
				got["Module.symvers"] = dump.String()
				var msgs strings.Builder
				for _, d := range res.Diags {
					msgs.WriteString(d.String())
				}
				got["stderr"] = msgs.String()

				dir := filepath.Join("testdata", "golden", arch, tc.name)
				if *update {
					os.RemoveAll(dir)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					for name, content := range got {
						if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
				want := map[string]string{}
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatalf("%v (run with -update to create)", err)
				}
				for _, e := range entries {
					data, err := os.ReadFile(filepath.Join(dir, e.Name()))
					if err != nil {
						t.Fatal(err)
					}
					want[e.Name()] = string(data)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("outputs differ from %s (-want +got):\n%s", dir, diff)
				}
			})
		}
	}
}

func TestReadObjectExports(t *testing.T) {
	want := []ObjExport{
		{Name: "exporter_counter", Section: ".bss"},
		{Name: "exporter_table", GPLOnly: true, Section: ".rodata"},
		{Name: "exporter_add", GPLOnly: true, Namespace: "DEMO_NS", IsFunc: true, Section: ".text"},
		{Name: "exporter_weak", IsFunc: true, Section: ".text"},
		{Name: "exporter_friends_only", GPLOnly: true, Namespace: "module:user,friend*", IsFunc: true, Section: ".text"},
	}
	for _, arch := range arches {
		o, err := ReadObjectFile(objPath(arch, "exporter"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, o.Exports); diff != "" {
			t.Errorf("%s exports (-want +got):\n%s", arch, diff)
		}
		if !o.HasInit || !o.HasCleanup {
			t.Errorf("%s: HasInit=%v HasCleanup=%v, want both", arch, o.HasInit, o.HasCleanup)
		}
		if diff := cmp.Diff([]Undefined{{Name: "vm_func"}}, o.Undefined); diff != "" {
			t.Errorf("%s undefined (-want +got):\n%s", arch, diff)
		}
	}
}

func TestRemoveDot(t *testing.T) {
	for in, want := range map[string]string{
		"foo":             "foo",
		"foo.0":           "foo",
		"foo.123.part":    "foo",
		"foo.constprop.0": "foo.constprop.0",
		"foo.":            "foo.",
		".foo.1":          ".foo.1",
		"foo.12x":         "foo.12x",
		"__func__.5":      "__func__",
		"a.b.1":           "a.b.1",
	} {
		if got := removeDot(in); got != want {
			t.Errorf("removeDot(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestModuleNamespaceAllows(t *testing.T) {
	tests := []struct {
		ns, mod string
		want    bool
	}{
		{"module:user,friend*", "user", true},
		{"module:user,friend*", "friendly", true},
		{"module:user,friend*", "use", false},
		{"module:user,friend*", "users", false},
		{"module:*", "anything", true},
		{"DEMO_NS", "user", false},
		{"module:", "user", false},
		{"module:a,,b", "b", true},
	}
	for _, tc := range tests {
		if got := moduleNamespaceAllows(tc.ns, tc.mod); got != tc.want {
			t.Errorf("moduleNamespaceAllows(%q, %q) = %v, want %v", tc.ns, tc.mod, got, tc.want)
		}
	}
}

// patch returns a copy of the object with bytes replaced at off.
func patch(t *testing.T, arch, name string, off int, b ...byte) []byte {
	t.Helper()
	data, err := os.ReadFile(objPath(arch, name))
	if err != nil {
		t.Fatal(err)
	}
	copy(data[off:], b)
	return data
}

// growSection returns a copy of an ELF64 object whose named section's size
// runs past the end of the file.
func growSection(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	shoff := binary.LittleEndian.Uint64(data[0x28:])
	for i, s := range f.Sections {
		if s.Name == name {
			out := append([]byte(nil), data...)
			binary.LittleEndian.PutUint64(out[shoff+uint64(i)*64+32:], 1<<31)
			return out
		}
	}
	t.Fatalf("no section %s", name)
	return nil
}

func TestReadObjectBadInput(t *testing.T) {
	exporter, err := os.ReadFile(objPath("x86_64", "exporter"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a readable ELF object"},
		{"not elf", []byte("this is text, not an object\n"), "not a readable ELF object"},
		{"truncated header", exporter[:40], "not a readable ELF object"},
		{"truncated sections", exporter[:len(exporter)/2], "past the end of the"},
		{"section past the end", growSection(t, exporter, ".symtab"), "section 10 (offset"},
		{"executable", patch(t, "x86_64", "exporter", 16, byte(elf.ET_EXEC), 0), "not a relocatable object"},
		{"shared object", patch(t, "x86_64", "exporter", 16, byte(elf.ET_DYN), 0), "not a relocatable object"},
		{"wrong machine i386", patch(t, "x86_64", "exporter", 18, byte(elf.EM_386), 0), "unsupported machine EM_386"},
		{"wrong machine riscv", patch(t, "aarch64", "exporter", 18, byte(elf.EM_RISCV), 0), "unsupported machine EM_RISCV"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadObject(tc.data, "dir/bad.o")
			if err == nil {
				t.Fatal("ReadObject succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "dir/bad.o: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name dir/bad.o or lacks %q", err, tc.want)
			}
		})
	}
}

func TestReadObjectFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "missing.o"), dir} {
		_, err := ReadObjectFile(p)
		if err == nil {
			t.Errorf("ReadObjectFile(%s) succeeded", p)
		} else if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name %s", err, p)
		}
	}
}

func TestRunBadInput(t *testing.T) {
	mixed := append(readObjs(t, "x86_64", "exporter"), readObjs(t, "aarch64", "user")...)
	tests := []struct {
		name    string
		cfg     Config
		objs    []*Object
		wantErr string
	}{
		{"mixed architectures", Config{External: true}, mixed, "user.o is aarch64 but exporter.o is x86_64: mixed architectures"},
		{"duplicate export", Config{}, readObjs(t, "x86_64", "exporter", "dupexport"), "dupexport: 'exporter_add' exported twice. Previous export was in exporter.ko"},
		{"duplicate of vmlinux export", Config{External: true}, readObjs(t, "aarch64", "dupexport"), "dupexport: 'vm_func' exported twice. Previous export was in vmlinux\n"},
		{"missing export target", Config{External: true}, readObjs(t, "x86_64", "badexport"), `"nowhere" [badexport.ko] was exported without definition`},
		{"unresolved", Config{External: true}, readObjs(t, "aarch64", "unresolved"), `"missing_1" [unresolved.ko] undefined!`},
		{"gpl only", Config{External: true}, readObjs(t, "x86_64", "exporter", "proprietary"), "GPL-incompatible module proprietary.ko uses GPL-only symbol 'exporter_table'"},
		{"namespace", Config{External: true}, readObjs(t, "x86_64", "exporter", "noimport"), "module noimport uses symbol exporter_add from namespace DEMO_NS, but does not import it."},
		{"no license", Config{External: true}, readObjs(t, "x86_64", "nolicense"), "missing MODULE_LICENSE() in nolicense.o"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Run(tc.cfg, vmlinuxSymvers(t), tc.objs)
			if !res.Failed {
				t.Fatalf("Run succeeded; messages: %v", res.Diags)
			}
			if res.ModC != nil || res.Symvers != nil {
				t.Errorf("failed Run still returned outputs")
			}
			var all strings.Builder
			for _, d := range res.Diags {
				all.WriteString(d.String())
			}
			if !strings.Contains(all.String(), "ERROR: modpost: "+tc.wantErr) {
				t.Errorf("messages lack %q:\n%s", tc.wantErr, all.String())
			}
		})
	}
}

func TestCryptoMode(t *testing.T) {
	objs := readObjs(t, "x86_64", "unresolved", "exporter")
	res := Run(Config{Crypto: true}, vmlinuxSymvers(t), objs)
	if res.Failed {
		t.Fatalf("crypto mode failed on unresolved symbols: %v", res.Diags)
	}
	for _, d := range res.Diags {
		if strings.Contains(d.Msg, "undefined") || strings.Contains(d.Msg, "unresolved") {
			t.Errorf("crypto mode reported %q", d)
		}
	}
	for _, e := range res.Symvers {
		if e.Module != "exporter" {
			t.Errorf("crypto dump holds %v, want only exporter's exports", e)
		}
	}
	if len(res.Symvers) != 5 {
		t.Errorf("crypto dump has %d exports, want 5", len(res.Symvers))
	}
	// Resolved symbols are still checked.
	res = Run(Config{Crypto: true}, vmlinuxSymvers(t), readObjs(t, "x86_64", "exporter", "proprietary"))
	if !res.Failed {
		t.Errorf("crypto mode let a GPL-incompatible module use a GPL-only symbol")
	}
	// With a complete vmlinux dump, an unresolved symbol fails the run as
	// it does without -c: the module could not load.
	res = Run(Config{Crypto: true, VmlinuxComplete: true}, vmlinuxSymvers(t), objs)
	var msgs []string
	for _, d := range res.Diags {
		msgs = append(msgs, d.Msg)
	}
	if !res.Failed || !strings.Contains(strings.Join(msgs, ""), "[unresolved.ko] undefined!") {
		t.Errorf("crypto mode with a complete vmlinux: failed %v, messages %q; want the unresolved symbols named", res.Failed, msgs)
	}
}

// FuzzReadObject feeds mutated objects to the reader: it must return an
// object or an error, never panic or hang.
func FuzzReadObject(f *testing.F) {
	for _, arch := range arches {
		for _, n := range []string{"exporter", "badexport", "expdata", "devtab"} {
			data, err := os.ReadFile(objPath(arch, n))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := readObject(data, "fuzz.o")
		if err == nil && obj == nil {
			t.Fatal("no object and no error")
		}
	})
}
