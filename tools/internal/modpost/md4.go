package modpost

import (
	"encoding/binary"
	"math/bits"
)

// md4 is the MD4 message digest (RFC 1320), which srcversion uses. It is
// not a security function here, only a checksum kbuild chose.
type md4 struct {
	h    [4]uint32
	buf  [64]byte // bytes not yet hashed
	nbuf int
	n    uint64 // bytes written
}

func newMD4() *md4 {
	return &md4{h: [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}}
}

func (d *md4) write(p []byte) {
	d.n += uint64(len(p))
	for len(p) > 0 {
		k := copy(d.buf[d.nbuf:], p)
		d.nbuf += k
		p = p[k:]
		if d.nbuf == len(d.buf) {
			d.block(d.buf[:])
			d.nbuf = 0
		}
	}
}

// sum returns the four state words after padding, as MD4 defines them
// (the digest is their little-endian bytes). d is a copy: the caller's
// state is left alone.
func (d md4) sum() [4]uint32 {
	bitLen := d.n * 8
	pad := []byte{0x80}
	for (d.nbuf+len(pad))%64 != 56 {
		pad = append(pad, 0)
	}
	d.write(binary.LittleEndian.AppendUint64(pad, bitLen))
	return d.h
}

func (d *md4) block(p []byte) {
	var x [16]uint32
	for i := range x {
		x[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	a, b, c, dd := d.h[0], d.h[1], d.h[2], d.h[3]
	f := func(x, y, z uint32) uint32 { return x&y | ^x&z }
	g := func(x, y, z uint32) uint32 { return x&y | x&z | y&z }
	h := func(x, y, z uint32) uint32 { return x ^ y ^ z }
	for _, i := range [4]int{0, 4, 8, 12} {
		a = bits.RotateLeft32(a+f(b, c, dd)+x[i], 3)
		dd = bits.RotateLeft32(dd+f(a, b, c)+x[i+1], 7)
		c = bits.RotateLeft32(c+f(dd, a, b)+x[i+2], 11)
		b = bits.RotateLeft32(b+f(c, dd, a)+x[i+3], 19)
	}
	for _, i := range [4]int{0, 1, 2, 3} {
		a = bits.RotateLeft32(a+g(b, c, dd)+x[i]+0x5a827999, 3)
		dd = bits.RotateLeft32(dd+g(a, b, c)+x[i+4]+0x5a827999, 5)
		c = bits.RotateLeft32(c+g(dd, a, b)+x[i+8]+0x5a827999, 9)
		b = bits.RotateLeft32(b+g(c, dd, a)+x[i+12]+0x5a827999, 13)
	}
	for _, i := range [4]int{0, 2, 1, 3} {
		a = bits.RotateLeft32(a+h(b, c, dd)+x[i]+0x6ed9eba1, 3)
		dd = bits.RotateLeft32(dd+h(a, b, c)+x[i+8]+0x6ed9eba1, 9)
		c = bits.RotateLeft32(c+h(dd, a, b)+x[i+4]+0x6ed9eba1, 11)
		b = bits.RotateLeft32(b+h(c, dd, a)+x[i+12]+0x6ed9eba1, 15)
	}
	d.h[0] += a
	d.h[1] += b
	d.h[2] += c
	d.h[3] += dd
}
