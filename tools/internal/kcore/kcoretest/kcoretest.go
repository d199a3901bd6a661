// Package kcoretest writes small /proc/kcore-like ELF core files for tests.
package kcoretest

import (
	"bytes"
	"encoding/binary"
)

// Segment is one PT_LOAD: kernel virtual address and bytes.
type Segment struct {
	Vaddr uint64
	Data  []byte
}

// Core returns a little-endian ELF64 core file with one PT_LOAD per segment.
func Core(segs ...Segment) []byte {
	const ehsize, phsize = 64, 56
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, ehsize)
	copy(hdr, "\x7fELF\x02\x01\x01")
	le.PutUint16(hdr[16:], 4)  // ET_CORE
	le.PutUint16(hdr[18:], 62) // EM_X86_64
	le.PutUint32(hdr[20:], 1)
	le.PutUint64(hdr[32:], ehsize) // e_phoff
	le.PutUint16(hdr[52:], ehsize)
	le.PutUint16(hdr[54:], phsize)
	le.PutUint16(hdr[56:], uint16(len(segs)))
	b.Write(hdr)
	off := uint64(ehsize + phsize*len(segs))
	for _, s := range segs {
		ph := make([]byte, phsize)
		le.PutUint32(ph[0:], 1) // PT_LOAD
		le.PutUint32(ph[4:], 4)
		le.PutUint64(ph[8:], off)
		le.PutUint64(ph[16:], s.Vaddr)
		le.PutUint64(ph[32:], uint64(len(s.Data)))
		le.PutUint64(ph[40:], uint64(len(s.Data)))
		b.Write(ph)
		off += uint64(len(s.Data))
	}
	for _, s := range segs {
		b.Write(s.Data)
	}
	return b.Bytes()
}
