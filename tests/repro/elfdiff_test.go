package repro

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tests/internal/nested"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// elfDiff lists what differs between two ELF files: the header fields,
// the section table, and each section's contents (with the first differing
// offset), in section order.
func elfDiff(a, b string) (string, error) {
	fa, err := elf.Open(a)
	if err != nil {
		return "", err
	}
	defer fa.Close()
	fb, err := elf.Open(b)
	if err != nil {
		return "", err
	}
	defer fb.Close()
	var out strings.Builder
	if fa.FileHeader != fb.FileHeader {
		fmt.Fprintf(&out, "ELF header: %+v != %+v\n", fa.FileHeader, fb.FileHeader)
	}
	// Sections pair up by name and occurrence: a module can have two
	// sections of one name (.note.GNU-stack).
	keys := func(f *elf.File) []string {
		seen := map[string]int{}
		var k []string
		for _, s := range f.Sections {
			seen[s.Name]++
			k = append(k, fmt.Sprintf("%s#%d", s.Name, seen[s.Name]))
		}
		return k
	}
	ka, kb := keys(fa), keys(fb)
	byKey := map[string]*elf.Section{}
	for i, s := range fb.Sections {
		byKey[kb[i]] = s
	}
	moved := 0
	for i, sa := range fa.Sections {
		sb := byKey[ka[i]]
		if sb == nil {
			fmt.Fprintf(&out, "section %s: only in the first\n", ka[i])
			continue
		}
		delete(byKey, ka[i])
		if i >= len(kb) || kb[i] != ka[i] {
			fmt.Fprintf(&out, "section %s: at index %d in the first, elsewhere in the second\n", ka[i], i)
		}
		// A section that only moved follows from a change before it.
		ha, hb := sa.SectionHeader, sb.SectionHeader
		if ha.Offset != hb.Offset {
			moved++
			ha.Offset, hb.Offset = 0, 0
		}
		if ha != hb {
			fmt.Fprintf(&out, "section %s: header %+v != %+v\n", ka[i], ha, hb)
		}
		if sa.Type == elf.SHT_NOBITS {
			continue
		}
		da, errA := sa.Data()
		db, errB := sb.Data()
		if errA != nil || errB != nil {
			fmt.Fprintf(&out, "section %s: unreadable: %v, %v\n", ka[i], errA, errB)
			continue
		}
		if !bytes.Equal(da, db) {
			fmt.Fprintf(&out, "section %s: contents differ (%d and %d bytes, first at offset %#x)\n%s", ka[i], len(da), len(db), firstDiff(da, db), strings2(da, db))
		}
	}
	for k := range byKey {
		fmt.Fprintf(&out, "section %s: only in the second\n", k)
	}
	if moved > 0 {
		fmt.Fprintf(&out, "%d sections only moved in the file\n", moved)
	}
	if out.Len() == 0 {
		out.WriteString("sections and headers equal; the difference is outside them (padding, order)\n")
	}
	return out.String(), nil
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// strings2 shows the printable strings that only one side has, which is
// how a path or a timestamp usually shows itself.
func strings2(a, b []byte) string {
	sa, sb := printable(a), printable(b)
	var out strings.Builder
	for s := range sa {
		if !sb[s] {
			fmt.Fprintf(&out, "  - %q\n", s)
		}
	}
	for s := range sb {
		if !sa[s] {
			fmt.Fprintf(&out, "  + %q\n", s)
		}
	}
	return out.String()
}

func printable(data []byte) map[string]bool {
	set := map[string]bool{}
	start := -1
	for i := 0; i <= len(data); i++ {
		if i < len(data) && data[i] >= 0x20 && data[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 6 {
			set[string(data[start:i])] = true
		}
		start = -1
	}
	return set
}

// diffTrees lists the regular files under the compared packages that both
// execroots built and whose bytes differ.
func diffTrees(t *testing.T, a, b string) string {
	t.Helper()
	var out strings.Builder
	bins, _ := filepath.Glob(filepath.Join(a, "bazel-out", "*", "bin"))
	for _, bin := range bins {
		rel, _ := filepath.Rel(a, bin)
		for _, pkg := range packages {
			filepath.WalkDir(filepath.Join(bin, pkg), func(path string, d fs.DirEntry, err error) error {
				if err != nil || !d.Type().IsRegular() || strings.Contains(path, ".runfiles") {
					return nil
				}
				r, _ := filepath.Rel(a, path)
				other := filepath.Join(b, r)
				if _, err := os.Stat(other); err != nil {
					return nil
				}
				if nested.SHA256File(t, path) != nested.SHA256File(t, other) {
					fmt.Fprintf(&out, "  %s\n", r)
				}
				return nil
			})
		}
		_ = rel
	}
	return out.String()
}

func TestElfDiff(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(self)
	if err != nil {
		testskip.Skipf(t, "the test binary is not ELF: %v", err)
	}
	s := f.Section(".rodata")
	f.Close()
	if s == nil {
		testskip.Skipf(t, "no .rodata in the test binary")
	}
	dir := t.TempDir()
	same, changed := filepath.Join(dir, "same"), filepath.Join(dir, "changed")
	os.WriteFile(same, data, 0o644)
	mod := bytes.Clone(data)
	mod[s.Offset+16] ^= 0xff
	os.WriteFile(changed, mod, 0o644)

	if d, err := elfDiff(self, same); err != nil || !strings.Contains(d, "equal") {
		t.Errorf("identical files: %q, %v", d, err)
	}
	d, err := elfDiff(self, changed)
	if err != nil {
		t.Fatal(err)
	}
	if want := "section .rodata#1: contents differ"; !strings.Contains(d, want) || !strings.Contains(d, "offset 0x10") {
		t.Errorf("a changed .rodata byte: got %q, want %q at offset 0x10", d, want)
	}
	if _, err := elfDiff(self, filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file: no error")
	}
}
