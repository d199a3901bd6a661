package main

import (
	"bytes"
	delf "debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// versionEntry is the size of one 64-bit `struct modversion_info`: an
// 8-byte CRC, then a NUL-padded 56-byte name.
const versionEntry = 64

// flipCRC inverts the low 32 bits (the CRC) of the __versions entry of
// symbol, or of the first entry when symbol is "", in the module bytes
// data (from path), and returns the entry's name.
func flipCRC(data []byte, path, symbol string) (string, error) {
	f, err := elf.NewFile(path, bytes.NewReader(data), int64(len(data)), elf.Want{Type: delf.ET_REL})
	if err != nil {
		return "", err
	}
	sec := f.Section("__versions")
	if sec == nil || sec.Type != delf.SHT_PROGBITS {
		return "", fmt.Errorf("%s: no __versions section (a module of a CONFIG_MODVERSIONS kernel has one)", path)
	}
	if sec.Size%versionEntry != 0 || sec.Offset+sec.Size > uint64(len(data)) {
		return "", fmt.Errorf("%s: __versions is %d bytes, not whole %d-byte entries", path, sec.Size, versionEntry)
	}
	table := data[sec.Offset : sec.Offset+sec.Size]
	for off := 0; off < len(table); off += versionEntry {
		name := string(bytes.TrimRight(table[off+8:off+versionEntry], "\x00"))
		if symbol != "" && name != symbol {
			continue
		}
		crc := binary.LittleEndian.Uint32(table[off:])
		binary.LittleEndian.PutUint32(table[off:], ^crc)
		return name, nil
	}
	if symbol == "" {
		return "", fmt.Errorf("%s: __versions is empty", path)
	}
	return "", fmt.Errorf("%s: no __versions entry for %s", path, symbol)
}
