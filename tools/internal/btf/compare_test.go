package btf

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	ebtf "github.com/cilium/ebpf/btf"

	"github.com/rules-fips140/rules_fips140/tools/internal/btf/btftest"
)

// withExtraString appends a string nothing refers to: the same types,
// encoded differently.
func withExtraString(blob []byte) []byte {
	le := binary.LittleEndian
	out := append(append([]byte(nil), blob...), "unused\x00"...)
	le.PutUint32(out[20:], le.Uint32(out[20:])+7)
	return out
}

func TestCompare(t *testing.T) {
	base := btftest.EmptyBase(t)
	mod := btftest.Module(t)
	modWith := func(edit func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type) []byte {
		types := btftest.ModuleTypes()
		return btftest.SplitOnEmpty(t, btftest.Marshal(t, edit(types[0].(*ebtf.Struct), types[1].(*ebtf.Func))...))
	}
	for _, tc := range []struct {
		name      string
		a, b      []byte
		identical bool
		at        int
	}{
		{name: "identical", a: mod, b: mod, identical: true, at: -1},
		{name: "encoding", a: mod, b: withExtraString(mod), at: -1},
		{name: "member renamed", a: mod, b: modWith(func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type {
			s.Members[0].Name = "count"
			return []ebtf.Type{s, fn}
		}), at: 0},
		{name: "member moved", a: mod, b: modWith(func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type {
			s.Members[2].Offset = 136
			return []ebtf.Type{s, fn}
		}), at: 0},
		{name: "type added", a: mod, b: modWith(func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type {
			return []ebtf.Type{s, fn, &ebtf.Float{Name: "double", Size: 8}}
		}), at: 0},
		{name: "type removed", a: mod, b: modWith(func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type {
			return []ebtf.Type{s}
		}), at: 0},
		{name: "kind changed", a: mod, b: modWith(func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type {
			return []ebtf.Type{&ebtf.Union{Name: s.Name, Size: s.Size, Members: s.Members}, fn}
		}), at: 0},
		{name: "linkage changed", a: mod, b: modWith(func(s *ebtf.Struct, fn *ebtf.Func) []ebtf.Type {
			fn.Linkage = ebtf.StaticFunc
			return []ebtf.Type{s, fn}
		}), at: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			baseT, err := Load("base", base, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Load("a.btf", tc.a, baseT)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Load("b.btf", tc.b, baseT)
			if err != nil {
				t.Fatal(err)
			}
			d := Compare(a, b, tc.a, tc.b)
			if d.Identical != tc.identical || d.At != tc.at {
				t.Errorf("Identical %v, At %d; want %v, %d", d.Identical, d.At, tc.identical, tc.at)
			}
			var out bytes.Buffer
			d.Report(&out)
			golden(t, "compare/"+strings.ReplaceAll(tc.name, " ", "_")+".txt", out.Bytes())
		})
	}
}

// TestDescribe: references to the blob's own types are relative when
// comparing (so blobs on bases of different sizes compare equal) and
// absolute when reporting.
func TestDescribe(t *testing.T) {
	base, err := Load("base", btftest.EmptyBase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Load("a.btf", btftest.Module(t), base)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.describeNth(0, true), `struct "fips140_btftest_state" size=24 {"calls":+2@0, "label":+5@64, "tag":+6@128}`; got != want {
		t.Errorf("describeNth(0, own) = %s, want %s", got, want)
	}
	if got, want := a.Describe(a.First), `struct "fips140_btftest_state" size=24 {"calls":#3@0, "label":#6@64, "tag":#7@128}`; got != want {
		t.Errorf("Describe(First) = %s, want %s", got, want)
	}
	for id, want := range map[ebtf.TypeID]string{
		2: `func "fips140_btftest_touch" linkage=global -> #9`,
		3: `int "int" size=4 encoding=signed`,
		5: `const -> #4`,
		6: `ptr -> #5`,
		7: `array of #4 index #3 nelems=8`,
		8: `ptr -> #1`,
		9: `func_proto ("s":#8, "n":#3) -> #3`,
	} {
		if got := a.Describe(id); got != want {
			t.Errorf("Describe(%d) = %s, want %s", id, got, want)
		}
	}
	if a.Kind(1) != "struct" || a.Kind(100) != "" {
		t.Errorf("Kind(1), Kind(100) = %q, %q; want struct, \"\"", a.Kind(1), a.Kind(100))
	}
}

// FuzzLoad feeds arbitrary bytes to Load, standalone and split, and
// describes and compares whatever loads.
func FuzzLoad(f *testing.F) {
	f.Add(btftest.Module(f))
	f.Add(btftest.EmptyBase(f))
	f.Add(btftest.Marshal(f, btftest.ModuleTypes()...))
	f.Add([]byte{0x9f, 0xeb, 1, 0, 24, 0, 0, 0})
	base, err := Load("base", btftest.EmptyBase(f), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range []*Types{nil, base} {
			typ, err := Load("fuzz", data, b)
			if err != nil {
				continue
			}
			if typ.Count() < 0 {
				t.Fatalf("negative type count %d", typ.Count())
			}
			for id := typ.First; id <= typ.Last && id < typ.First+1000; id++ {
				if typ.Describe(id) == "" {
					t.Fatalf("type %d loaded but cannot be described", id)
				}
			}
			if d := Compare(typ, typ, data, data); !d.Identical {
				t.Fatal("a blob differs from itself")
			}
		}
	})
}
