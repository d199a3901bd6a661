package main

import (
	"bytes"
	delf "debug/elf"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// module is an ET_REL object whose __versions holds entries for the names.
func module(t *testing.T, names ...string) []byte {
	t.Helper()
	var table []byte
	for i, n := range names {
		e := make([]byte, versionEntry)
		binary.LittleEndian.PutUint64(e, uint64(0x11110000+i))
		copy(e[8:], n)
		table = append(table, e...)
	}
	b := elf.Blob{Arch: elf.X86_64, Name: "versions", Section: "__versions"}
	data, err := b.Bytes(table)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func crcs(t *testing.T, data []byte) []uint32 {
	t.Helper()
	f, err := delf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sec := f.Section("__versions")
	var out []uint32
	for off := uint64(0); off < sec.Size; off += versionEntry {
		out = append(out, binary.LittleEndian.Uint32(data[sec.Offset+off:]))
	}
	return out
}

func TestFlipCRC(t *testing.T) {
	data := module(t, "module_layout", "crypto_register_alg", "kfree")
	name, err := flipCRC(data, "m.ko", "crypto_register_alg")
	if err != nil || name != "crypto_register_alg" {
		t.Fatalf("flipCRC = %q, %v", name, err)
	}
	if got := crcs(t, data); got[0] != 0x11110000 || got[1] != ^uint32(0x11110001) || got[2] != 0x11110002 {
		t.Errorf("CRCs after flipping the second: %#x", got)
	}
	if name, err := flipCRC(data, "m.ko", ""); err != nil || name != "module_layout" {
		t.Errorf("flipCRC without a symbol = %q, %v; want the first entry", name, err)
	}
	for _, tc := range []struct {
		data         []byte
		symbol, want string
	}{
		{data, "missing", "no __versions entry for missing"},
		{module(t), "", "__versions is empty"},
		{[]byte("not elf"), "", "m.ko"},
	} {
		if _, err := flipCRC(tc.data, "m.ko", tc.symbol); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("flipCRC(%q) = %v, want %q", tc.symbol, err, tc.want)
		}
	}
}
