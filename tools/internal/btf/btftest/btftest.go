// Package btftest makes small BTF blobs and ELF files for tests of the
// btf package and the btfsplit command.
package btftest

import (
	delf "debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	ebtf "github.com/cilium/ebpf/btf"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// Marshal encodes types as standalone little-endian BTF with cilium/ebpf.
func Marshal(t testing.TB, types ...ebtf.Type) []byte {
	t.Helper()
	b, err := ebtf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, &ebtf.MarshalOptions{Order: binary.LittleEndian})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// EmptyBase is standalone BTF with no types and the one-byte string table
// "\x00": a base on which split BTF numbers its types from 1, as
// standalone BTF does.
func EmptyBase(t testing.TB) []byte { return Marshal(t) }

// SplitOnEmpty turns standalone BTF into split BTF on EmptyBase: the same
// types, and the string table without its leading NUL, which the base
// holds. Only the header changes: str_off += 1, str_len -= 1.
func SplitOnEmpty(t testing.TB, standalone []byte) []byte {
	t.Helper()
	le := binary.LittleEndian
	out := append([]byte(nil), standalone...)
	le.PutUint32(out[16:], le.Uint32(out[16:])+1)
	le.PutUint32(out[20:], le.Uint32(out[20:])-1)
	return out
}

// Module is split BTF on EmptyBase for a small module: a struct with an
// int, a pointer and an array member, and a function taking the struct.
func Module(t testing.TB) []byte {
	return SplitOnEmpty(t, Marshal(t, ModuleTypes()...))
}

// ModuleTypes are the types of Module.
func ModuleTypes() []ebtf.Type {
	i := &ebtf.Int{Name: "int", Size: 4, Encoding: ebtf.Signed}
	c := &ebtf.Int{Name: "char", Size: 1, Encoding: ebtf.Char}
	s := &ebtf.Struct{Name: "fips140_btftest_state", Size: 24, Members: []ebtf.Member{
		{Name: "calls", Type: i},
		{Name: "label", Type: &ebtf.Pointer{Target: &ebtf.Const{Type: c}}, Offset: 64},
		{Name: "tag", Type: &ebtf.Array{Index: i, Type: c, Nelems: 8}, Offset: 128},
	}}
	fn := &ebtf.Func{Name: "fips140_btftest_touch", Linkage: ebtf.GlobalFunc, Type: &ebtf.FuncProto{
		Return: i,
		Params: []ebtf.FuncParam{{Name: "s", Type: &ebtf.Pointer{Target: s}}, {Name: "n", Type: i}},
	}}
	return []ebtf.Type{s, fn}
}

// Object is an ELF relocatable object for arch holding data in section,
// e.g. a module with a ".debug_info" section, or a BTF base with ".BTF".
func Object(t testing.TB, arch elf.Arch, section string, data []byte) []byte {
	t.Helper()
	obj, err := elf.Blob{Arch: arch, Name: "data", Section: section, Flags: "alloc,readonly,contents"}.Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// WithType returns obj with its ELF type set to typ.
func WithType(obj []byte, typ delf.Type) []byte {
	out := append([]byte(nil), obj...)
	binary.LittleEndian.PutUint16(out[16:], uint16(typ))
	return out
}

// Write writes data to dir/name and returns the path.
func Write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Script writes an executable /bin/sh script to dir/name and returns its
// path.
func Script(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
