package link

import (
	delf "debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// initcallSource is a C file that puts initcalls into the crypto levels,
// as the seed's crypto_*_initcall macros do. levels maps a level to the
// functions it gets, in order.
func initcallSource(levels map[int][]string, extra string) string {
	src := "typedef int (*initcall_t)(void);\n" + extra
	for l := range InitcallLevels {
		for i, fn := range levels[l] {
			src += fmt.Sprintf("int %s(void) { return %d; }\n", fn, l*10+i)
			src += fmt.Sprintf("static initcall_t __ic_%s __attribute__((used, section(\".fips_initcall%d\"))) = %s;\n", fn, l, fn)
		}
	}
	return src
}

// TestPartialLink compiles three parts with the real compiler, archives
// them as kbuild does (a nested thin archive), links them with Partial and
// checks the initcall levels with debug/elf.
func TestPartialLink(t *testing.T) {
	for _, arch := range elf.Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := findToolchain(t, arch)
			dir := t.TempDir()
			tc.compile(t, dir, "a", initcallSource(map[int][]string{0: {"a_sub"}, 2: {"a_late"}}, ""))
			// b declares level 1 before level 0 in the file: link order,
			// not source order, decides.
			tc.compile(t, dir, "b", initcallSource(map[int][]string{1: {"b_dev"}, 0: {"b_sub"}, 2: {"b_late"}},
				"int b_initdata __attribute__((section(\".init.data\"))) = 7;\n"))
			// One initcall per level and file: within a file, the
			// compiler's output order decides, not the link.
			tc.compile(t, dir, "c", initcallSource(map[int][]string{0: {"c_sub"}, 1: {"c_dev"}}, ""))
			run(t, dir, tc.ar, "cDPrST", "sub.a", "c.o")
			run(t, dir, tc.ar, "cDPrST", "crypto-module.a", "a.o", "b.o", "sub.a")

			want := [InitcallLevels][]string{
				{"a_sub", "b_sub", "c_sub"},
				{"b_dev", "c_dev"},
				{"a_late", "b_late"},
			}
			var outs []string
			for _, sub := range []string{"one", "two"} {
				out := filepath.Join(dir, sub, "fips140.o")
				if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
					t.Fatal(err)
				}
				p := Partial{LD: Tool{Path: tc.ld}, Inputs: []string{filepath.Join(dir, "crypto-module.a")}, Out: out}
				if warn, err := p.Link(); err != nil {
					t.Fatal(err)
				} else if warn != "" {
					t.Errorf("linker warnings: %s", warn)
				}
				outs = append(outs, out)
				got := readLevels(t, out, arch)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("initcall levels (-want +got):\n%s", diff)
				}
				assertNoTemps(t, filepath.Dir(out), "fips140.o")
			}
			sameBytes(t, outs[0], outs[1])
		})
	}
}

// readLevels reads the functions each level of a partially linked
// fips140.o points to, checking the bounding symbols on the way.
func readLevels(t *testing.T, path string, arch elf.Arch) [InitcallLevels][]string {
	t.Helper()
	f, err := elf.Open(path, elf.Want{Arch: arch, Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	sec := f.Section(".init.data")
	if sec == nil {
		t.Fatalf("%s: no .init.data", path)
	}
	secIndex := delf.SectionIndex(slices.Index(f.Sections, sec))
	bound := map[string]uint64{}
	for _, s := range syms {
		bound[s.Name] = s.Value
		if _, ok := wantBounds[s.Name]; ok {
			if s.Section != secIndex {
				t.Errorf("%s is in section %d, want .init.data (%d)", s.Name, s.Section, secIndex)
			}
			if delf.ST_BIND(s.Info) != delf.STB_GLOBAL {
				t.Errorf("%s is %v, want STB_GLOBAL", s.Name, delf.ST_BIND(s.Info))
			}
		}
	}
	for name := range wantBounds {
		if _, ok := bound[name]; !ok {
			t.Errorf("%s: no symbol %s", path, name)
		}
	}
	relocs := relocTargets(t, f, sec, syms)
	var got [InitcallLevels][]string
	for l := range InitcallLevels {
		start, end := bound[fmt.Sprintf("__fips140_initcall%d_start", l)], bound[fmt.Sprintf("__fips140_initcall%d_end", l)]
		if start%8 != 0 || end < start || (end-start)%8 != 0 {
			t.Errorf("level %d: start %#x, end %#x: want 8-aligned pointers", l, start, end)
			continue
		}
		if l > 0 && start != bound[fmt.Sprintf("__fips140_initcall%d_end", l-1)] {
			t.Errorf("level %d starts at %#x, not where level %d ends", l, start, l-1)
		}
		for off := start; off < end; off += 8 {
			got[l] = append(got[l], relocs[off])
		}
	}
	if bound["__fips140_initcalls_start"] != bound["__fips140_initcall0_start"] ||
		bound["__fips140_initcalls_end"] != bound[fmt.Sprintf("__fips140_initcall%d_end", InitcallLevels-1)] {
		t.Errorf("__fips140_initcalls_start/_end do not bound the levels: %v", bound)
	}
	if v, ok := bound["b_initdata"]; ok && v < bound["__fips140_initcalls_end"] {
		t.Errorf("other .init.data (b_initdata at %#x) is inside the levels", v)
	}
	return got
}

var wantBounds = func() map[string]bool {
	m := map[string]bool{"__fips140_initcalls_start": true, "__fips140_initcalls_end": true}
	for l := range InitcallLevels {
		m[fmt.Sprintf("__fips140_initcall%d_start", l)] = true
		m[fmt.Sprintf("__fips140_initcall%d_end", l)] = true
	}
	return m
}()

// relocTargets maps each offset in sec that a 64-bit absolute relocation
// patches to the name of the symbol it points to.
func relocTargets(t *testing.T, f *elf.File, sec *delf.Section, syms []delf.Symbol) map[uint64]string {
	t.Helper()
	abs64 := map[elf.Arch]uint32{elf.X86_64: uint32(delf.R_X86_64_64), elf.ARM64: uint32(delf.R_AARCH64_ABS64)}[f.Arch]
	m := map[uint64]string{}
	for i, rs := range f.Sections {
		if rs.Type != delf.SHT_RELA || f.Sections[rs.Info] != sec {
			continue
		}
		data, err := rs.Data()
		if err != nil {
			t.Fatal(err)
		}
		for ; len(data) >= 24; data = data[24:] {
			off := binary.LittleEndian.Uint64(data)
			info := binary.LittleEndian.Uint64(data[8:])
			addend := int64(binary.LittleEndian.Uint64(data[16:]))
			if uint32(info) != abs64 {
				t.Errorf("section %d: relocation type %d at %#x, want %d", i, uint32(info), off, abs64)
				continue
			}
			idx := info >> 32
			if idx == 0 || int(idx) > len(syms) || addend != 0 {
				t.Errorf("section %d: relocation at %#x to symbol %d%+d", i, off, idx, addend)
				continue
			}
			m[off] = syms[idx-1].Name
		}
	}
	return m
}

// assertNoTemps checks that dir holds no temporary files beside keep.
func assertNoTemps(t *testing.T, dir string, keep ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !slices.Contains(keep, e.Name()) {
			t.Errorf("%s: left behind %s", dir, e.Name())
		}
	}
}
