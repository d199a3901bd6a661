package elf

import (
	"bytes"
	delf "debug/elf"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// blobCase is one object to make, here and with ld and objcopy.
type blobCase struct {
	name   string
	blob   Blob // Arch is set per architecture
	size   int
	golden bool // also kept as testdata/<name>.<arch>.o
}

// blobCases covers what the build embeds (module, digest, BTF, the
// nonfips140 copy) and the corners of names, flags and alignment.
func blobCases() []blobCase {
	return []blobCase{
		{name: "plain", blob: Blob{Name: "fips140.ko"}, size: 1001, golden: true},
		{name: "module", blob: Blob{Name: "fips140.ko", Section: ".fips140_module_data", Align: 8}, size: 1001, golden: true},
		{name: "digest", blob: Blob{Name: ".fips140.hmac", Section: ".fips140_digest", Flags: ReadonlyFlags}, size: 32, golden: true},
		{name: "nonfips140", blob: Blob{Name: "fips140.ko", Prefix: "nonfips140_", Section: ".nonfips140_module_data", Align: 8}, size: 777, golden: true},
		{name: "btf", blob: Blob{Name: "fips140.btf", Section: ".fips140_btf", Flags: ReadonlyFlags, Align: 4}, size: 300},
		{name: "empty", blob: Blob{Name: "empty.bin", Section: ".fips140_module_data"}, size: 0, golden: true},
		{name: "path", blob: Blob{Name: "crypto/fips140/sub-dir/fips140.ko"}, size: 10},
		{name: "odd-name", blob: Blob{Name: "1+é x@y.bin"}, size: 10},
		{name: "align64", blob: Blob{Name: "a.bin", Align: 64}, size: 65},
		{name: "align4096", blob: Blob{Name: "a.bin", Section: ".page", Align: 4096}, size: 5, golden: true},
		{name: "flags-code", blob: Blob{Name: "a.bin", Section: ".x", Flags: "alloc,load,readonly,code,contents"}, size: 8},
		{name: "flags-write-code", blob: Blob{Name: "a.bin", Section: ".x", Flags: "alloc,load,code,contents"}, size: 8},
		{name: "flags-contents", blob: Blob{Name: "a.bin", Section: ".x", Flags: "contents"}, size: 8},
		{name: "flags-readonly", blob: Blob{Name: "a.bin", Section: ".x", Flags: "readonly,contents"}, size: 8},
		{name: "flags-alloc-contents", blob: Blob{Name: "a.bin", Section: ".x", Flags: "alloc,contents"}, size: 8},
		{name: "flags-exclude", blob: Blob{Name: "a.bin", Section: ".x", Flags: "ALLOC,Load,contents,exclude"}, size: 8},
		{name: "flags-no-rename", blob: Blob{Name: "a.bin", Flags: ReadonlyFlags}, size: 8},
		{name: "section-suffix", blob: Blob{Name: "a.bin", Section: "tab"}, size: 8},
		{name: "section-holds-suffix", blob: Blob{Name: "a.bin", Section: "x.strtab"}, size: 8},
		{name: "section-rodata", blob: Blob{Name: "a.bin", Section: ".rodata"}, size: 8},
		{name: "section-space", blob: Blob{Name: "a.bin", Section: "a b"}, size: 8},
		{name: "prefix-odd", blob: Blob{Name: "a.bin", Prefix: "p.q-"}, size: 8},
	}
}

// blobData is size bytes that differ from case to case.
func blobData(name string, size int) []byte {
	var seed uint64
	for _, c := range name {
		seed = seed*31 + uint64(c)
	}
	r := rand.New(rand.NewPCG(seed, uint64(size)))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestBlobGolden(t *testing.T) {
	for _, c := range blobCases() {
		if !c.golden {
			continue
		}
		for _, arch := range Arches() {
			t.Run(c.name+"/"+arch.String(), func(t *testing.T) {
				b := c.blob
				b.Arch = arch
				got, err := b.Bytes(blobData(c.name, c.size))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", c.name+"."+arch.String()+".o")
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to write it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("object differs from %s (go test -update rewrites it):\n%s", path, cmp.Diff(describe(t, want), describe(t, got)))
				}
			})
		}
	}
}

func TestBlobDeterministic(t *testing.T) {
	b := Blob{Arch: ARM64, Name: "fips140.ko", Section: ".fips140_module_data", Align: 8}
	data := blobData("det", 4097)
	first, err := b.Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := b.Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two writes of one blob differ")
		}
	}
}

func TestBlobReadsBack(t *testing.T) {
	for _, c := range blobCases() {
		for _, arch := range Arches() {
			t.Run(c.name+"/"+arch.String(), func(t *testing.T) {
				b := c.blob
				b.Arch = arch
				data := blobData(c.name, c.size)
				obj, err := b.Bytes(data)
				if err != nil {
					t.Fatal(err)
				}
				checkBlobObject(t, b, data, obj)
			})
		}
	}
}

// checkBlobObject checks obj against what b promises, reading it with
// this package's reader (and so debug/elf).
func checkBlobObject(t *testing.T, b Blob, data, obj []byte) {
	t.Helper()
	f, err := NewFile("obj", bytes.NewReader(obj), int64(len(obj)), Want{Arch: b.Arch, Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	sec := f.Sections[1]
	flags, _ := SectionFlags(b.Flags)
	align := max(b.Align, 1)
	if sec.Name != b.section() || sec.Type != delf.SHT_PROGBITS || sec.Flags != flags || sec.Addralign != align {
		t.Errorf("section %+v, want %q PROGBITS %v align %d", sec.SectionHeader, b.section(), flags, align)
	}
	got, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("section data differs from the blob")
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	start, end, size := b.Symbols()
	n := uint64(len(data))
	want := []delf.Symbol{
		{Name: "", Info: byte(delf.STT_SECTION), Section: 1},
		{Name: start, Info: byte(delf.STB_GLOBAL) << 4, Section: 1, Value: 0},
		{Name: end, Info: byte(delf.STB_GLOBAL) << 4, Section: 1, Value: n},
		{Name: size, Info: byte(delf.STB_GLOBAL) << 4, Section: delf.SHN_ABS, Value: n},
	}
	// The order of the globals is ld's (see sortLikeLd), checked by
	// TestDifferential.
	byName := cmpopts.SortSlices(func(a, b delf.Symbol) bool { return a.Name < b.Name })
	if diff := cmp.Diff(want, syms, byName); diff != "" {
		t.Errorf("symbols (-want +got):\n%s", diff)
	}
}

func TestMangleName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"fips140.ko", "fips140_ko"},
		{".fips140.hmac", "_fips140_hmac"},
		{"crypto/fips140/fips140.ko", "crypto_fips140_fips140_ko"},
		{"AZaz09", "AZaz09"},
		{"é", "__"}, // one '_' per byte, as ld does
		{"a b-c+d", "a_b_c_d"},
	} {
		if got := MangleName(tc.in); got != tc.want {
			t.Errorf("MangleName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSectionFlags(t *testing.T) {
	const w, a, x = delf.SHF_WRITE, delf.SHF_ALLOC, delf.SHF_EXECINSTR
	for _, tc := range []struct {
		in      string
		want    delf.SectionFlag
		wantErr string
	}{
		{in: "", want: w | a},
		{in: ReadonlyFlags, want: a},
		{in: "alloc,load,data,contents", want: w | a},
		{in: "alloc,load,readonly,code,contents", want: a | x},
		{in: "contents", want: w},
		{in: "readonly,contents", want: 0},
		{in: "alloc,contents,exclude", want: w | a | shfExclude},
		{in: "ALLOC,LOAD,CONTENTS", want: w | a},
		{in: "alloc,load", wantErr: `lack "contents"`},
		{in: "readonly", wantErr: `lack "contents"`},
		{in: "alloc,readonly,data", wantErr: `lack "contents"`},
		{in: "alloc,share", wantErr: `unsupported flag "share"`},
		{in: "alloc,,load", wantErr: `unsupported flag ""`},
	} {
		got, err := SectionFlags(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("SectionFlags(%q) error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("SectionFlags(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestBlobBad(t *testing.T) {
	ok := Blob{Arch: X86_64, Name: "a.bin"}
	for _, tc := range []struct {
		name    string
		edit    func(*Blob)
		wantErr string
	}{
		{"no arch", func(b *Blob) { b.Arch = 0 }, "unsupported architecture"},
		{"empty name", func(b *Blob) { b.Name = "" }, "empty blob name"},
		{"NUL in name", func(b *Blob) { b.Name = "a\x00b" }, "NUL"},
		{"NUL in prefix", func(b *Blob) { b.Prefix = "a\x00" }, "NUL"},
		{"NUL in section", func(b *Blob) { b.Section = ".a\x00" }, "NUL"},
		{"symtab section", func(b *Blob) { b.Section = ".symtab" }, "reserved"},
		{"rela section", func(b *Blob) { b.Section = ".rela.data" }, "reserved"},
		{"init_array section", func(b *Blob) { b.Section = ".init_array" }, "reserved"},
		{"align 3", func(b *Blob) { b.Align = 3 }, "power of two"},
		{"align too big", func(b *Blob) { b.Align = MaxAlign * 2 }, "power of two"},
		{"bad flags", func(b *Blob) { b.Flags = "alloc,merge" }, "unsupported flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := ok
			tc.edit(&b)
			_, err := b.Bytes([]byte("x"))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestBlobShortData(t *testing.T) {
	var buf bytes.Buffer
	err := Blob{Arch: X86_64, Name: "a"}.Write(&buf, strings.NewReader("abc"), 10)
	if err == nil || !strings.Contains(err.Error(), "blob ended after 3 of 10 bytes") {
		t.Errorf("error %v, want a short-blob error", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestBlobWriteError(t *testing.T) {
	err := Blob{Arch: X86_64, Name: "a"}.Write(failWriter{}, strings.NewReader("abc"), 3)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v, want the writer's", err)
	}
}

func TestStrtab(t *testing.T) {
	for _, tc := range []struct {
		add  []string
		want string
	}{
		{[]string{".symtab", ".strtab", ".shstrtab", ".data"}, "\x00.symtab\x00.strtab\x00.shstrtab\x00.data\x00"},
		// "tab" ends ".symtab"; of the three it ends, bfd picks .symtab.
		{[]string{".symtab", ".strtab", ".shstrtab", "tab"}, "\x00.symtab\x00.strtab\x00.shstrtab\x00"},
		// ".strtab" ends "x.strtab", which takes its place in the order.
		{[]string{".symtab", ".strtab", ".shstrtab", "x.strtab"}, "\x00.symtab\x00.shstrtab\x00x.strtab\x00"},
		{[]string{"a", "a", ""}, "\x00a\x00"},
	} {
		var st strtab
		for _, s := range tc.add {
			st.add(s)
		}
		data, offs := st.layout()
		if string(data) != tc.want {
			t.Errorf("layout(%q) = %q, want %q", tc.add, data, tc.want)
		}
		for _, s := range tc.add {
			o := offs[s]
			if int(o)+len(s) >= len(data) || string(data[o:int(o)+len(s)]) != s || data[int(o)+len(s)] != 0 {
				t.Errorf("layout(%q): offset %d of %q does not hold it", tc.add, o, s)
			}
		}
	}
}

// FuzzBlob checks that any object Write accepts to make reads back as
// what the Blob describes.
func FuzzBlob(f *testing.F) {
	for _, c := range blobCases() {
		f.Add(c.blob.Name, c.blob.Prefix, c.blob.Section, c.blob.Flags, c.blob.Align, blobData(c.name, min(c.size, 64)), true)
	}
	f.Fuzz(func(t *testing.T, name, prefix, section, flags string, align uint64, data []byte, arm bool) {
		b := Blob{Arch: X86_64, Name: name, Prefix: prefix, Section: section, Flags: flags, Align: align}
		if arm {
			b.Arch = ARM64
		}
		obj, err := b.Bytes(data)
		if err != nil {
			return
		}
		checkBlobObject(t, b, data, obj)
	})
}

// objDesc is what the differential and golden tests compare: everything a
// linker reads from a blob object.
type objDesc struct {
	Header   delf.FileHeader
	Sections []secDesc
	Symbols  []symDesc
}

type secDesc struct {
	Name    string
	Type    delf.SectionType
	Flags   delf.SectionFlag
	Addr    uint64
	Align   uint64
	Entsize uint64
	Link    uint32
	Info    uint32
	Size    uint64
	Data    string // PROGBITS contents, in hex
}

type symDesc struct {
	Name    string
	Value   uint64
	Size    uint64
	Bind    delf.SymBind
	Type    delf.SymType
	Other   byte
	Section string // the section's name, or its special index
}

func describe(t *testing.T, obj []byte) objDesc {
	t.Helper()
	f, err := delf.NewFile(bytes.NewReader(obj))
	if err != nil {
		t.Fatal(err)
	}
	d := objDesc{Header: f.FileHeader}
	d.Header.ByteOrder = nil
	for _, s := range f.Sections {
		sd := secDesc{Name: s.Name, Type: s.Type, Flags: s.Flags, Addr: s.Addr, Align: s.Addralign,
			Entsize: s.Entsize, Link: s.Link, Info: s.Info, Size: s.Size}
		if s.Type == delf.SHT_PROGBITS {
			data, err := s.Data()
			if err != nil {
				t.Fatal(err)
			}
			sd.Data = fmt.Sprintf("%x", data)
		}
		d.Sections = append(d.Sections, sd)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		sec := fmt.Sprint(s.Section)
		if int(s.Section) < len(f.Sections) {
			sec = f.Sections[s.Section].Name
		}
		d.Symbols = append(d.Symbols, symDesc{Name: s.Name, Value: s.Value, Size: s.Size,
			Bind: delf.ST_BIND(s.Info), Type: delf.ST_TYPE(s.Info), Other: s.Other, Section: sec})
	}
	return d
}
