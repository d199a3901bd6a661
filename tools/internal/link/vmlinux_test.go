package link

import (
	"bytes"
	delf "debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

const loadOffset = 0xffffffff80000000 // testdata/kernel-like.lds

// blobData is a blob of n bytes that differ from those of other blobs.
func blobData(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

// writeBlob writes the embed helper's object for one kind.
func writeBlob(t *testing.T, dir string, arch elf.Arch, k Embedded, data []byte) string {
	t.Helper()
	b := elf.Blob{Arch: arch, Name: "crypto/fips140/" + k.Flag, Section: k.InputSection}
	if strings.HasPrefix(k.Flag, "nonfips140-") {
		b.Prefix = "nonfips140_"
	}
	if strings.HasSuffix(k.Flag, "-hmac") {
		b.Flags = elf.ReadonlyFlags // the seed's are writable; both must work
	}
	path := filepath.Join(dir, k.Flag+".o")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := b.Write(f, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	return path
}

// vmlinuxSource is a stand-in for vmlinux.o: code, data, and a table of the
// bounding symbols, as the seed's loader refers to them.
func vmlinuxSource(kinds []Embedded) string {
	var decl, refs strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&decl, "extern const char %s[], %s[];\n", k.Start, k.End)
		fmt.Fprintf(&refs, "\t%s, %s,\n", k.Start, k.End)
	}
	return decl.String() +
		"const void *const fips140_refs[] = {\n" + refs.String() + "};\n" +
		"const char linux_banner[] = \"Linux version 7.2.13\";\n" +
		"int some_data = 1;\n" +
		"void _start(void) { for (;;) ; }\n"
}

// TestLinkVmlinux links a vmlinux.o stand-in with the embedded blobs, into
// an executable (with the linker's default script and with a kernel-like
// one) and into a relocatable object, and checks with debug/elf that each
// blob's section is in place and holds the blob and that the bounding
// symbols are right.
func TestLinkVmlinux(t *testing.T) {
	kindSets := []struct {
		name      string
		btf, dual bool
		btfObj    bool // the BTF blobs have objects (else: first link pass)
	}{
		{"all", true, true, true},
		{"fips140-only", false, false, false},
		{"btf-first-pass", true, false, false},
	}
	modes := []struct {
		name        string
		kernelLDS   string
		relocatable bool
	}{
		{"default-script", "", false},
		{"kernel-like-script", "testdata/kernel-like.lds", false},
		{"relocatable", "", true},
	}
	for _, arch := range elf.Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := findToolchain(t, arch)
			for _, ks := range kindSets {
				kinds := KindsFor(ks.btf, ks.dual)
				dir := t.TempDir()
				vmlinuxO := tc.compile(t, dir, "vmlinux", vmlinuxSource(kinds))
				objs := map[string]string{}
				blobs := map[string][]byte{}
				for i, k := range kinds {
					if strings.HasSuffix(k.Flag, "-btf") && !ks.btfObj {
						continue
					}
					blobs[k.Flag] = blobData(byte(i*40), 1001+i*13) // odd sizes: alignment matters
					objs[k.Flag] = writeBlob(t, dir, arch, k, blobs[k.Flag])
				}
				for _, m := range modes {
					t.Run(ks.name+"/"+m.name, func(t *testing.T) {
						var outs []string
						for _, sub := range []string{"one", "two"} {
							out := filepath.Join(dir, m.name, sub, "vmlinux")
							if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
								t.Fatal(err)
							}
							v := Vmlinux{LD: Tool{Path: tc.ld}, KernelLDS: m.kernelLDS, Relocatable: m.relocatable,
								Inputs: []string{vmlinuxO}, Embedded: objs, BTF: ks.btf, Dual: ks.dual, Out: out}
							if warn, err := v.Link(); err != nil {
								t.Fatal(err)
							} else if warn != "" {
								t.Errorf("linker warnings: %s", warn)
							}
							outs = append(outs, out)
							assertNoTemps(t, filepath.Dir(out), "vmlinux")
						}
						sameBytes(t, outs[0], outs[1])
						checkEmbeddedOutput(t, outs[0], arch, kinds, blobs, m.relocatable, m.kernelLDS != "")
					})
				}
			}
		})
	}
}

func checkEmbeddedOutput(t *testing.T, path string, arch elf.Arch, kinds []Embedded, blobs map[string][]byte, relocatable, kernelLike bool) {
	t.Helper()
	wantType := delf.ET_EXEC
	if relocatable {
		wantType = delf.ET_REL
	}
	f, err := elf.Open(path, elf.Want{Arch: arch, Type: wantType})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	symByName := map[string]delf.Symbol{}
	for _, s := range syms {
		if delf.ST_TYPE(s.Info) != delf.STT_SECTION && s.Name != "" {
			symByName[s.Name] = s
		}
	}
	anchor := DefaultPlacement(arch, nil).Anchor
	for _, k := range kinds {
		start, ok1 := symByName[k.Start]
		end, ok2 := symByName[k.End]
		if !ok1 || !ok2 {
			t.Errorf("%s: %s or %s missing", k.OutputSection, k.Start, k.End)
			continue
		}
		blob, ok := blobs[k.Flag]
		if !ok {
			// Placed without an object: an empty blob, still bounded.
			if start.Value != end.Value {
				t.Errorf("%s: empty, but %s = %#x and %s = %#x", k.OutputSection, k.Start, start.Value, k.End, end.Value)
			}
			continue
		}
		sec := f.Section(k.OutputSection)
		if sec == nil {
			t.Errorf("no section %s", k.OutputSection)
			continue
		}
		data, err := sec.Data()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, blob) {
			t.Errorf("%s: %d bytes differ from the %d-byte blob", k.OutputSection, len(data), len(blob))
		}
		if sec.Addralign < 8 || sec.Addr%8 != 0 {
			t.Errorf("%s: address %#x, alignment %d: want 8-aligned", k.OutputSection, sec.Addr, sec.Addralign)
		}
		idx := delf.SectionIndex(slices.Index(f.Sections, sec))
		for _, s := range []delf.Symbol{start, end} {
			if s.Section != idx {
				t.Errorf("%s is in section %d, want %s (%d)", s.Name, s.Section, k.OutputSection, idx)
			}
		}
		// In a relocatable object, symbol values are section offsets.
		base := sec.Addr
		if relocatable {
			base = 0
		}
		if start.Value != base || end.Value != base+uint64(len(blob)) {
			t.Errorf("%s at %#x (%d bytes): %s = %#x, %s = %#x", k.OutputSection, sec.Addr, len(blob), k.Start, start.Value, k.End, end.Value)
		}
		if kernelLike {
			checkLoadAddress(t, f, sec)
			if i, a := slices.Index(f.Sections, sec), slices.IndexFunc(f.Sections, func(s *delf.Section) bool { return s.Name == anchor }); a >= 0 && i > a {
				t.Errorf("%s (section %d) comes after the anchor %s (section %d)", k.OutputSection, i, anchor, a)
			}
		}
	}
	checkRefs(t, f, symByName, kinds, relocatable)
}

// checkLoadAddress checks that sec loads LOAD_OFFSET below its address, as
// the kernel-like script's own sections do.
func checkLoadAddress(t *testing.T, f *elf.File, sec *delf.Section) {
	t.Helper()
	for _, p := range f.Progs {
		if p.Type == delf.PT_LOAD && p.Vaddr <= sec.Addr && sec.Addr+sec.Size <= p.Vaddr+p.Memsz {
			if lma := p.Paddr + (sec.Addr - p.Vaddr); lma != sec.Addr-loadOffset {
				t.Errorf("%s: load address %#x, want %#x", sec.Name, lma, sec.Addr-loadOffset)
			}
			return
		}
	}
	t.Errorf("%s is in no PT_LOAD segment", sec.Name)
}

// checkRefs checks that the stand-in's table of bounding symbols resolved
// to them: in an executable, the pointers hold their values; in a
// relocatable object, the relocations name them.
func checkRefs(t *testing.T, f *elf.File, syms map[string]delf.Symbol, kinds []Embedded, relocatable bool) {
	t.Helper()
	tab, ok := syms["fips140_refs"]
	if !ok || int(tab.Section) >= len(f.Sections) {
		t.Fatal("no fips140_refs")
	}
	sec := f.Sections[tab.Section]
	var want []string
	for _, k := range kinds {
		want = append(want, k.Start, k.End)
	}
	if relocatable {
		all, err := f.Symbols()
		if err != nil {
			t.Fatal(err)
		}
		relocs := relocTargets(t, f, sec, all)
		for i, name := range want {
			if got := relocs[tab.Value+uint64(i*8)]; got != name {
				t.Errorf("fips140_refs[%d] refers to %q, want %s", i, got, name)
			}
		}
		return
	}
	data, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range want {
		off := tab.Value - sec.Addr + uint64(i*8)
		if got := binary.LittleEndian.Uint64(data[off:]); got != syms[name].Value {
			t.Errorf("fips140_refs[%d] = %#x, want %s = %#x", i, got, name, syms[name].Value)
		}
	}
}

// TestLinkersAgree links the same inputs with the kernel-like script through
// GNU ld and through ld.lld, and checks that both put every blob in the same
// place: the same allocated sections around it, in the same order, and the
// blob's distance from the end of the read-only data (__end_rodata) alike.
// With an INSERT script they differed (GNU ld put the blobs before the
// __end_rodata assignment, ld.lld after it).
func TestLinkersAgree(t *testing.T) {
	lld := findLLD(t)
	for _, arch := range elf.Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := findToolchain(t, arch)
			kinds := KindsFor(true, true)
			dir := t.TempDir()
			v := Vmlinux{KernelLDS: "testdata/kernel-like.lds", BTF: true, Dual: true, Embedded: map[string]string{}}
			v.Inputs = []string{tc.compile(t, dir, "vmlinux", vmlinuxSource(kinds))}
			for i, k := range kinds {
				v.Embedded[k.Flag] = writeBlob(t, dir, arch, k, blobData(byte(i*40), 1001+i*13))
			}
			layouts := map[string][]string{}
			for name, ld := range map[string]Tool{"GNU ld": {Path: tc.ld}, "ld.lld": {Path: lld, LLD: true}} {
				v.LD, v.Out = ld, filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
				if _, err := v.Link(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				layouts[name] = blobLayout(t, v.Out, kinds)
			}
			if diff := cmp.Diff(layouts["GNU ld"], layouts["ld.lld"]); diff != "" {
				t.Errorf("GNU ld and ld.lld place the blobs differently (-GNU ld +ld.lld):\n%s", diff)
			}
		})
	}
}

// blobLayout describes where the blobs sit in the executable at path: for
// each, the allocated sections before and after it and its offset from
// __end_rodata.
func blobLayout(t *testing.T, path string, kinds []Embedded) []string {
	t.Helper()
	f, err := elf.Open(path, elf.Want{Type: delf.ET_EXEC})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var endRodata uint64
	for _, s := range syms {
		if s.Name == "__end_rodata" {
			endRodata = s.Value
		}
	}
	var alloc []*delf.Section
	for _, s := range f.Sections {
		if s.Flags&delf.SHF_ALLOC != 0 && s.Size > 0 {
			alloc = append(alloc, s)
		}
	}
	sort.SliceStable(alloc, func(i, j int) bool { return alloc[i].Addr < alloc[j].Addr })
	var out []string
	for _, k := range kinds {
		i := slices.IndexFunc(alloc, func(s *delf.Section) bool { return s.Name == k.OutputSection })
		if i < 0 {
			t.Fatalf("%s: no %s", path, k.OutputSection)
		}
		before, after := "(start)", "(end)"
		if i > 0 {
			before = alloc[i-1].Name
		}
		if i+1 < len(alloc) {
			after = alloc[i+1].Name
		}
		out = append(out, fmt.Sprintf("%s after %s, before %s, at __end_rodata%+d", k.OutputSection, before, after, int64(alloc[i].Addr-endRodata)))
	}
	return out
}
