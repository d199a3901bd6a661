package ar

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// hdr builds a 60-byte header with the given name field and size field.
func hdr(name, size string) string {
	return fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10s`\n", name, "0", "0", "0", "644", size)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		data string
		kind Kind
		want []Member
	}{
		{"empty normal", Magic, Normal, nil},
		{"empty thin", ThinMagic, Thin, nil},
		{"short name", Magic + hdr("a.o/", "3") + "abc\n" + hdr("b.o/", "2") + "bb", Normal,
			[]Member{{Name: "a.o", Size: 3, HeaderOffset: 8}, {Name: "b.o", Size: 2, HeaderOffset: 72}}},
		{"bsd-style short name", Magic + hdr("a.o", "0"), Normal, []Member{{Name: "a.o", HeaderOffset: 8}}},
		{"odd last member without pad", Magic + hdr("a.o/", "1") + "a", Normal, []Member{{Name: "a.o", Size: 1, HeaderOffset: 8}}},
		{"symbol table skipped", Magic + hdr("/", "4") + "\x00\x00\x00\x00" + hdr("a.o/", "0"), Normal,
			[]Member{{Name: "a.o", HeaderOffset: 72}}},
		{"sym64 table skipped", Magic + hdr("/SYM64/", "8") + "\x00\x00\x00\x00\x00\x00\x00\x00" + hdr("a.o/", "0"), Normal,
			[]Member{{Name: "a.o", HeaderOffset: 76}}},
		{"long names", Magic + hdr("//", "20") + "a_long_name_here.o/\n" + hdr("/0", "0"), Normal,
			[]Member{{Name: "a_long_name_here.o", HeaderOffset: 88}}},
		{"thin", ThinMagic + hdr("//", "14") + "a.o/\nsub/b.o/\n" + hdr("/0", "100") + hdr("/5", "7"), Thin,
			[]Member{{Name: "a.o", Size: 100, HeaderOffset: 82}, {Name: "sub/b.o", Size: 7, HeaderOffset: 142}}},
		{"thin with index", ThinMagic + hdr("/", "4") + "\x00\x00\x00\x00" + hdr("//", "6") + "a.o/\n\n" + hdr("/0", "9"), Thin,
			[]Member{{Name: "a.o", Size: 9, HeaderOffset: 138}}},
		{"thin nested reference", ThinMagic + hdr("//", "6") + "lib.a\n" + hdr("/0:68", "2") + hdr("/0:130         /", "2"), Thin,
			[]Member{{Name: "lib.a", Size: 2, HeaderOffset: 74, NestedOffset: 68}, {Name: "lib.a", Size: 2, HeaderOffset: 134, NestedOffset: 130}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse("x.a", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind != tc.kind {
				t.Errorf("kind %v, want %v", a.Kind, tc.kind)
			}
			if diff := cmp.Diff(tc.want, a.Members, cmpopts.IgnoreUnexported(Member{})); diff != "" {
				t.Errorf("members mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseBadInput(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		offset  int64
		problem string
	}{
		{"empty file", "", 0, "empty file"},
		{"short magic", "!<ar", 0, "bad magic"},
		{"wrong magic", "!<bogus>\n", 0, "bad magic"},
		{"elf file", "\x7fELF\x02\x01\x01\x00\x00\x00", 0, "bad magic"},
		{"truncated header", Magic + hdr("a.o/", "0")[:30], 8, "truncated member header"},
		{"trailing bytes", Magic + hdr("a.o/", "1") + "a\n" + "junk", 70, "truncated member header"},
		{"bad terminator", Magic + hdr("a.o/", "0")[:58] + "xx", 8, "bad header terminator"},
		{"size not a number", Magic + hdr("a.o/", "12a"), 56, "bad size field"},
		{"size blank", Magic + hdr("a.o/", ""), 56, "bad size field"},
		{"size negative", Magic + hdr("a.o/", "-5"), 56, "bad size field"},
		{"member past end", Magic + hdr("a.o/", "100") + "abcd", 8, "runs past the end"},
		{"thin name table past end", ThinMagic + hdr("//", "50") + "a.o/\n", 8, "runs past the end"},
		{"symbol table past end", Magic + hdr("/", "9999") + "x", 8, "runs past the end"},
		{"long name without table", Magic + hdr("/0", "0"), 8, "no long-name table"},
		{"long name offset past table", Magic + hdr("//", "6") + "a.o/\n\n" + hdr("/6", "0"), 74, "past the long-name table"},
		{"unterminated long name", Magic + hdr("//", "4") + "a.o/" + hdr("/0", "0"), 72, "not terminated"},
		{"empty long name", Magic + hdr("//", "2") + "/\n" + hdr("/0", "0"), 70, "empty long name"},
		{"symbol table not first", Magic + hdr("a.o/", "0") + hdr("/", "0"), 68, "not the first member"},
		{"second name table", Magic + hdr("//", "0") + hdr("//", "0"), 68, "second long-name table"},
		{"name table after members", Magic + hdr("a.o/", "0") + hdr("//", "0"), 68, "after regular members"},
		{"blank name", Magic + hdr("", "0"), 8, "empty member name"},
		{"name is a slash and junk", Magic + hdr("//", "4") + "a.o\n" + hdr("/abc", "0"), 72, "bad member name"},
		{"junk after long name", Magic + hdr("//", "4") + "a.o\n" + hdr("/0 x", "0"), 72, "bad member name"},
		{"bad nested offset", ThinMagic + hdr("//", "4") + "a.a\n" + hdr("/0:x", "0"), 72, "bad nested member offset"},
		{"nested offset in magic", ThinMagic + hdr("//", "4") + "a.a\n" + hdr("/0:3", "0"), 72, "inside the magic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.a", []byte(tc.data))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tc.problem)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if !strings.Contains(err.Error(), "bad.a") || !strings.Contains(fe.Problem, tc.problem) {
				t.Errorf("error %q does not name the file and %q", err, tc.problem)
			}
			if fe.Offset != tc.offset {
				t.Errorf("error %q at offset %d, want %d", err, fe.Offset, tc.offset)
			}
		})
	}
}

// TestReadRealArchives reads archives made by GNU ar (cDPrsT, cDPr) and
// llvm-ar (cDPrT, cDPr), all with a symbol index, checked in with what
// `ar t` printed for them (testdata/read/*.list).
func TestReadRealArchives(t *testing.T) {
	archives, err := filepath.Glob(filepath.Join("testdata", "read", "*.a"))
	if err != nil || len(archives) == 0 {
		t.Fatalf("no archives in testdata/read: %v", err)
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "read"))
	t.Chdir(dir)
	for _, path := range archives {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			list, err := os.ReadFile(name + ".list")
			if err != nil {
				t.Fatal(err)
			}
			leaves, err := Leaves(name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(lines(list), leafNames(leaves)); diff != "" {
				t.Errorf("Leaves(%s) differs from `ar t` (-ar +ours):\n%s", name, diff)
			}
		})
	}
}

func TestLeavesErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(name, data string) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	thin := func(names ...string) string {
		table := ""
		var headers []string
		for _, n := range names {
			headers = append(headers, hdr(fmt.Sprintf("/%d", len(table)), "0"))
			table += n + "/\n"
		}
		if len(table)%2 == 1 {
			table += "\n"
		}
		return ThinMagic + hdr("//", fmt.Sprint(len(table))) + table + strings.Join(headers, "")
	}
	write("self.a", thin("self.a"))
	write("loop1.a", thin("loop2.a"))
	write("loop2.a", thin("loop1.a"))
	write("missing.a", thin("gone.o"))
	write("bad/inner.a", "!<arch>\nbroken")
	write("outer.a", thin("bad/inner.a"))
	write("nested.a", ThinMagic+hdr("//", "6")+"lib.a\n"+hdr("/0:8", "1"))
	write("lib.a", Magic+hdr("x.o/", "1")+"x\n")
	write("nested_bad_offset.a", ThinMagic+hdr("//", "6")+"lib.a\n"+hdr("/0:10", "1"))
	write("into_thin.a", ThinMagic+hdr("//", "8")+"self.a/\n"+hdr("/0:8", "1"))
	write("dir.a", thin("sub"))
	if err := os.Mkdir("sub", 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		archive string
		want    []string // substrings of the error
	}{
		{"self.a", []string{"self.a", "contains itself"}},
		{"loop1.a", []string{"loop1.a", "contains itself"}},
		{"missing.a", []string{"missing.a", "gone.o", "no such file"}},
		{"outer.a", []string{"bad/inner.a", "truncated member header"}},
		{"nested_bad_offset.a", []string{"nested_bad_offset.a", "no member header at offset 10", "lib.a"}},
		{"into_thin.a", []string{"into_thin.a", "points into a thin archive"}},
		{"dir.a", []string{"dir.a", "is a directory"}},
		{"absent.a", []string{"absent.a", "no such file"}},
	}
	for _, tc := range tests {
		t.Run(tc.archive, func(t *testing.T) {
			_, err := Leaves(tc.archive)
			if err == nil {
				t.Fatal("Leaves succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	leaves, err := Leaves("nested.a")
	if err != nil {
		t.Fatal(err)
	}
	want := []Leaf{{Path: "lib.a", Member: "x.o", Size: 1, HeaderOffset: 8, nameFieldEnd: ' '}}
	if diff := cmp.Diff(want, leaves, cmp.AllowUnexported(Leaf{})); diff != "" {
		t.Errorf("Leaves(nested.a) mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.a"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(Magic + hdr("//", "4") + "a.o\n" + hdr("/0", "1") + "x"))
	f.Add([]byte(ThinMagic + hdr("//", "6") + "lib.a\n" + hdr("/0:8", "1")))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("fuzz.a", data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		for _, m := range a.Members {
			if m.Name == "" || strings.Contains(m.Name, "\n") {
				t.Fatalf("member name %q", m.Name)
			}
			if a.Kind == Normal && m.DataOffset()+m.Size > int64(len(data)) {
				t.Fatalf("member %q data [%d,+%d) past the end (%d)", m.Name, m.DataOffset(), m.Size, len(data))
			}
		}
		if a.Kind != Normal || len(a.Members) > 50 {
			return
		}
		// A normal archive survives a rewrite: same names, sizes and data.
		path := filepath.Join(t.TempDir(), "in.a")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		leaves, err := Leaves(path)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := WriteNormal(&out, leaves, FullPath); err != nil {
			t.Fatal(err)
		}
		b, err := Parse("rewritten.a", out.Bytes())
		if err != nil {
			t.Fatalf("rewritten archive does not parse: %v", err)
		}
		if len(b.Members) != len(a.Members) {
			t.Fatalf("rewrite has %d members, want %d", len(b.Members), len(a.Members))
		}
		for i, m := range a.Members {
			n := b.Members[i]
			if n.Name != m.Name || n.Size != m.Size ||
				!bytes.Equal(data[m.DataOffset():m.DataOffset()+m.Size], out.Bytes()[n.DataOffset():n.DataOffset()+n.Size]) {
				t.Fatalf("member %d: rewritten as %q (%d bytes), want %q (%d bytes) with the same data", i, n.Name, n.Size, m.Name, m.Size)
			}
		}
	})
}
