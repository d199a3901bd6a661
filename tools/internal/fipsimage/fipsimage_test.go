package fipsimage

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/btf/btftest"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

const testKey = "fips140-test-key-that-is-long-enough-for-the-eighty-character-minimum-0123456789"

// placement is the seed series' vmlinux.lds addition, without the x86_64
// LOAD_OFFSET (these images are not loaded). pad puts bytes after the
// module's end symbol, to test the edge check.
func placement(pad bool) string {
	extra := ""
	if pad {
		extra = ". += 8;"
	}
	return `SECTIONS {
  .text : { *(.text) }
  .fips140_embedded : { . = ALIGN(8); _binary_fips140_ko_start = .; KEEP(*(.fips140_module_data)) _binary_fips140_ko_end = .; ` + extra + ` }
  .fips140_digest : { . = ALIGN(8); _binary_fips140_hmac_start = .; KEEP(*(.fips140_digest)) _binary_fips140_hmac_end = .; }
  .nonfips140_embedded : { . = ALIGN(8); _binary_nonfips140_ko_start = .; KEEP(*(.nonfips140_module_data)) _binary_nonfips140_ko_end = .; }
  /DISCARD/ : { *(.note.GNU-stack) }
}
`
}

// fakeModule is an ET_REL object whose only content is a .modinfo section.
func fakeModule(t testing.TB, arch elf.Arch, modinfo string) []byte {
	t.Helper()
	obj, err := elf.Blob{Arch: arch, Name: "m", Section: ".modinfo", Flags: "alloc,load,readonly,data,contents"}.Bytes([]byte(modinfo))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

type image struct {
	module, nonfips []byte // nonfips may be nil
	digestKey       string
	pad             bool
}

// link embeds the blobs the way the seed does and links an executable with
// the real ld, returning its path.
func link(t *testing.T, tc *realtool.Toolchain, arch elf.Arch, img image) string {
	t.Helper()
	dir := tc.WorkDir(t)
	write := func(name string, b elf.Blob, data []byte) string {
		obj, err := b.Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), obj, 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	objs := []string{
		write("ko.o", elf.Blob{Arch: arch, Name: "fips140.ko", Section: ".fips140_module_data", Align: 8}, img.module),
		write("hmac.o", elf.Blob{Arch: arch, Name: "fips140.hmac", Section: ".fips140_digest", Align: 8},
			integrity.SumBytes(img.module, []byte(img.digestKey))),
	}
	if img.nonfips != nil {
		objs = append(objs, write("nonfips.o", elf.Blob{Arch: arch, Name: "fips140.ko", Prefix: "nonfips140_",
			Section: ".nonfips140_module_data", Align: 8}, img.nonfips))
	}
	if err := os.WriteFile(filepath.Join(dir, "vmlinux.lds"), []byte(placement(img.pad)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-m", tc.Emulation, "-e", "0", "-T", "vmlinux.lds", "-o", "vmlinux"}, objs...)
	realtool.Run(t, tc.LD, dir, args...)
	return filepath.Join(dir, "vmlinux")
}

func key() integrity.Key { return integrity.Key{Bytes: []byte(testKey), Source: "test"} }

func failed(checks []Check) []string {
	var names []string
	for _, c := range checks {
		if !c.OK {
			names = append(names, c.Name+": "+c.Detail)
		}
	}
	return names
}

func TestRealImages(t *testing.T) {
	for _, arch := range elf.Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := realtool.FindToolchain(t, arch.String())
			other := elf.X86_64
			if arch == elf.X86_64 {
				other = elf.ARM64
			}
			good := fakeModule(t, arch, "license=GPL\x00name=fips140\x00")
			tests := []struct {
				name       string
				img        image
				wantFailed []string // check names expected to fail
			}{
				{"good", image{module: good, digestKey: testKey}, nil},
				{"dual", image{module: good, nonfips: fakeModule(t, arch, "name=fips140\x00"), digestKey: testKey}, nil},
				{"wrong key", image{module: good, digestKey: testKey + "x"}, []string{"fips140.hmac matches"}},
				{"wrong name", image{module: fakeModule(t, arch, "name=crypto\x00"), digestKey: testKey}, []string{"fips140.ko modinfo name"}},
				{"no modinfo name", image{module: fakeModule(t, arch, "license=GPL\x00"), digestKey: testKey}, []string{"fips140.ko modinfo name"}},
				{"wrong arch", image{module: fakeModule(t, other, "name=fips140\x00"), digestKey: testKey}, []string{"fips140.ko is an ET_REL module for " + arch.String()}},
				{"not ELF", image{module: []byte("not an ELF file at all, just bytes"), digestKey: testKey}, []string{"fips140.ko is an ET_REL module for " + arch.String()}},
				{"off the edges", image{module: good, digestKey: testKey, pad: true}, []string{"fips140.ko bounds"}},
				{"empty module", image{module: []byte{}, digestKey: testKey}, []string{"fips140.ko present"}},
			}
			for _, tc2 := range tests {
				t.Run(tc2.name, func(t *testing.T) {
					path := link(t, tc, arch, tc2.img)
					img, err := Open(path)
					if err != nil {
						t.Fatal(err)
					}
					if img.Arch != arch {
						t.Errorf("Arch = %v, want %v", img.Arch, arch)
					}
					m, _ := img.Region("fips140.ko")
					if !bytes.Equal(m.Data, tc2.img.module) {
						t.Errorf("embedded module is %d bytes and differs from the %d-byte input", len(m.Data), len(tc2.img.module))
					}
					got := failed(Verify(img, key()))
					if len(got) != len(tc2.wantFailed) {
						t.Fatalf("failed checks = %q, want exactly %q", got, tc2.wantFailed)
					}
					for i, want := range tc2.wantFailed {
						if !strings.HasPrefix(got[i], want+":") {
							t.Errorf("failed check %d = %q, want %q", i, got[i], want)
						}
					}
				})
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "notelf")
	if err := os.WriteFile(notELF, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated")
	module := fakeModule(t, elf.X86_64, "name=fips140\x00")
	if err := os.WriteFile(truncated, module[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	// A section named like a region but without its bounding symbols.
	noSyms := filepath.Join(dir, "nosyms.o")
	obj, err := elf.Blob{Arch: elf.X86_64, Name: "x", Section: ".fips140_embedded"}.Bytes([]byte("abc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noSyms, obj, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "missing"), "no such file"},
		{"not ELF", notELF, "notelf"},
		{"truncated", truncated, "truncated"},
		{"no bound symbols", noSyms, "has no _binary_fips140_ko_start symbol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.path)
			if err == nil {
				t.Fatalf("Open(%s) succeeded", tc.path)
			}
			if !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q: want the path and %q", err, tc.want)
			}
		})
	}
}

func TestRelocatableBlobs(t *testing.T) {
	// An ld -r style input: region symbols are section offsets.
	module := fakeModule(t, elf.ARM64, "name=fips140\x00")
	obj, err := elf.Blob{Arch: elf.ARM64, Name: "fips140.ko", Section: ".fips140_embedded"}.Bytes(module)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "embedded.o")
	if err := os.WriteFile(path, obj, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := img.Region("fips140.ko")
	if !ok || !r.OnEdges || !bytes.Equal(r.Data, module) {
		t.Fatalf("region = %+v (ok %v); want the whole module on the section edges", r.RegionKind, ok)
	}
}

func TestCheckBTF(t *testing.T) {
	region := func(data []byte) Region {
		return Region{RegionKind: Regions()[2], Data: data}
	}
	for _, tc := range []struct {
		name    string
		base    []byte
		blob    []byte
		ok      bool
		details string
	}{
		{"split on base", btftest.EmptyBase(t), btftest.Module(t), true, "278 bytes, 9 types (ids 1..9) on 0 base types"},
		{"no .BTF", nil, btftest.Module(t), false, "no .BTF section"},
		{"bad blob", btftest.EmptyBase(t), []byte("junk"), false, "vmlinux:fips140.btf: not valid BTF on base vmlinux .BTF"},
		{"bad base", []byte("junk"), btftest.Module(t), false, "vmlinux .BTF: not valid BTF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := checkBTF(&Image{Path: "vmlinux", BTF: tc.base}, region(tc.blob))
			if c.OK != tc.ok || !strings.Contains(c.Detail, tc.details) || c.Name != "fips140.btf is split BTF on vmlinux's .BTF" {
				t.Errorf("%+v, want ok %v and %q", c, tc.ok, tc.details)
			}
		})
	}
}

// FuzzOpen feeds arbitrary files to the reader behind `fips140 verify`,
// `inspect` and `extract` (Read, which Open runs on the opened file).
// Whatever it accepts must be consistent: each
// region's bytes are exactly its bounds, inside its section, and Verify
// names every check it makes.
func FuzzOpen(f *testing.F) {
	module := fakeModule(f, elf.ARM64, "name=fips140\x00")
	for _, b := range []elf.Blob{
		{Arch: elf.ARM64, Name: "fips140.ko", Section: ".fips140_embedded"},
		{Arch: elf.X86_64, Name: "x", Section: ".fips140_embedded"},
		{Arch: elf.X86_64, Name: "fips140.hmac", Section: ".fips140_digest"},
	} {
		obj, err := b.Bytes(module)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(obj)
	}
	f.Add(module)
	f.Add([]byte("hello"))
	k := key()
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz/vmlinux"
		img, err := Read(path, bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		for _, r := range img.Regions {
			if uint64(len(r.Data)) != r.EndAddr-r.StartAddr || r.Size() == 0 {
				t.Errorf("region %s: %d bytes for [%#x, %#x)", r.Name, len(r.Data), r.StartAddr, r.EndAddr)
			}
			if r.StartAddr < r.SectionAddr || r.EndAddr > r.SectionAddr+r.SectionSize {
				t.Errorf("region %s [%#x, %#x) outside its section [%#x, +%#x)", r.Name, r.StartAddr, r.EndAddr, r.SectionAddr, r.SectionSize)
			}
		}
		for _, c := range Verify(img, k) {
			if c.Name == "" {
				t.Errorf("Verify made a check without a name: %+v", c)
			}
		}
	})
}
