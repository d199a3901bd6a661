package modpost

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitDeviceTable(t *testing.T) {
	tests := []struct {
		sym, typ, name string
		ok             bool
	}{
		{"__mod_device_table__kmod_aesni_intel__x86cpu__aesni_cpu_id", "x86cpu", "aesni_cpu_id", true},
		{"__mod_device_table__kmod_fips140__cpu__ghash_cpu_feature", "cpu", "ghash_cpu_feature", true},
		{"__mod_device_table__kmod_m__cpu__a__b", "cpu", "a__b", true},
		{"__mod_device_table__kmod_m__cpu", "", "", false},
		{"__mod_device_table__m__cpu__t", "", "", false},               // no __kmod_
		{"__mod_device_table__kmod_a__b__cpu__t", "b", "cpu__t", true}, // "__" in the module name
	}
	for _, tt := range tests {
		typ, name, ok := splitDeviceTable(tt.sym)
		if typ != tt.typ || name != tt.name || ok != tt.ok {
			t.Errorf("splitDeviceTable(%q) = %q, %q, %v; want %q, %q, %v", tt.sym, typ, name, ok, tt.typ, tt.name, tt.ok)
		}
	}
}

// x86cpu builds one struct x86_cpu_id.
func x86cpu(vendor, family, model, feature uint16) []byte {
	e := make([]byte, 24)
	le := binary.LittleEndian
	le.PutUint16(e[0:], vendor)
	le.PutUint16(e[2:], family)
	le.PutUint16(e[4:], model)
	le.PutUint16(e[6:], 0xffff) // steppings: not in the alias
	le.PutUint16(e[8:], feature)
	e[16] = 0xff // driver_data: not in the alias
	return e
}

func TestDeviceTableAliases(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		symbol  string
		data    []byte
		aliases []string
		diags   string
	}{
		{"x86cpu wildcards", "__mod_device_table__kmod_m__x86cpu__ids",
			cat(x86cpu(0xffff, 0, 0, 0x99), x86cpu(0, 6, 0x55, 0), x86cpu(2, 0x17, 0, 0x1a5), make([]byte, 24)),
			[]string{
				"cpu:type:x86,ven*fam*mod*:feature:*0099*",
				"cpu:type:x86,ven0000fam0006mod0055:feature:*",
				"cpu:type:x86,ven0002fam0017mod*:feature:*01A5*",
			}, ""},
		{"cpu features, repeated", "__mod_device_table__kmod_m__cpu__f",
			[]byte{3, 0, 0x1f, 0, 3, 0, 0xcd, 0xab, 0, 0},
			[]string{"cpu:type:*:feature:*0003*", "cpu:type:*:feature:*001F*", "cpu:type:*:feature:*ABCD*"}, ""},
		{"only a terminator", "__mod_device_table__kmod_m__cpu__f", []byte{0, 0}, nil, ""},
		{"size mismatch", "__mod_device_table__kmod_m__cpu__f", []byte{1, 0, 0}, nil,
			"ERROR: modpost: m: type mismatch between f[] and MODULE_DEVICE_TABLE(cpu, ...)\n"},
		{"empty", "__mod_device_table__kmod_m__x86cpu__f", nil, nil,
			"ERROR: modpost: m: type mismatch between f[] and MODULE_DEVICE_TABLE(x86cpu, ...)\n"},
		{"no terminator", "__mod_device_table__kmod_m__cpu__f", []byte{1, 0, 2, 0}, nil,
			"ERROR: modpost: m: f[] is not terminated with a NULL entry\n"},
		{"unsupported type", "__mod_device_table__kmod_m__pci__p", make([]byte, 40), nil,
			"ERROR: modpost: m.o: MODULE_DEVICE_TABLE(pci, p) is not supported (only x86cpu and cpu): its aliases would be missing from the .mod.c\n"},
		{"unknown type", "__mod_device_table__kmod_m__nosuch__p", []byte{1}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{}
			m := &module{name: "m", obj: &Object{Path: "m.o"}}
			r.addDeviceTable(m, DeviceTable{Symbol: tt.symbol, Data: tt.data})
			if diff := cmp.Diff(tt.aliases, m.aliases); diff != "" {
				t.Errorf("aliases (-want +got):\n%s", diff)
			}
			var diags strings.Builder
			for _, d := range r.res.Diags {
				diags.WriteString(d.String())
			}
			if diff := cmp.Diff(tt.diags, diags.String()); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadDeviceTables checks the tables read from devtab.o on both
// arches: symbol table order, sizes, and .bss tables read as zeros.
func TestReadDeviceTables(t *testing.T) {
	for _, arch := range arches {
		o, err := ReadObjectFile(objPath(arch, "devtab"))
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[string]int{}
		last := 0
		for _, d := range o.DeviceTables {
			if d.SymIndex <= last {
				t.Errorf("%s: %s out of symbol table order", arch, d.Symbol)
			}
			last = d.SymIndex
			sizes[strings.TrimPrefix(d.Symbol, "__mod_device_table__kmod_devtab__")] = len(d.Data)
			if strings.HasSuffix(d.Symbol, "zero_ids") && strings.Trim(string(d.Data), "\x00") != "" {
				t.Errorf("%s: .bss table not zero", arch)
			}
		}
		want := map[string]int{"x86cpu__aes_ids": 120, "x86cpu__sha_ids": 72, "x86cpu__zero_ids": 72,
			"cpu__ce_feats": 8, "cpu__pmull_feats": 4, "nosuchbus__odd_feats": 4}
		if diff := cmp.Diff(want, sizes); diff != "" {
			t.Errorf("%s: table sizes (-want +got):\n%s", arch, diff)
		}
	}
}

// FuzzDeviceTable decodes fuzzed tables of both types: no panic, and
// either aliases of the right shape or an error.
func FuzzDeviceTable(f *testing.F) {
	f.Add(true, x86cpu(0xffff, 0, 0, 0x99))
	f.Add(false, []byte{3, 0, 0, 0})
	f.Fuzz(func(t *testing.T, x86 bool, data []byte) {
		sym := "__mod_device_table__kmod_m__cpu__t"
		prefix := "cpu:type:*:feature:*"
		if x86 {
			sym = "__mod_device_table__kmod_m__x86cpu__t"
			prefix = "cpu:type:x86,ven"
		}
		r := &run{}
		m := &module{name: "m", obj: &Object{Path: "m.o"}}
		r.addDeviceTable(m, DeviceTable{Symbol: sym, Data: data})
		if r.res.Failed && len(m.aliases) > 0 {
			t.Fatalf("aliases %q and an error", m.aliases)
		}
		seen := map[string]bool{}
		for _, a := range m.aliases {
			if !strings.HasPrefix(a, prefix) || !strings.HasSuffix(a, "*") || seen[a] {
				t.Fatalf("bad or repeated alias %q", a)
			}
			seen[a] = true
		}
	})
}
