package modpost

import (
	"encoding/binary"
	"math/bits"
)

// md4 is the MD4 message digest (RFC 1320), which srcversion uses as a
// checksum, not for security. kernelOrder selects the variant modpost's
// sumversion.c computes on a little-endian host: message words are read
// big-endian (it applies ntohl where RFC 1320 reads little-endian), while
// the bit length words stay little-endian.
type md4 struct {
	h           [4]uint32
	buf         [64]byte // bytes not yet hashed
	nbuf        int
	n           uint64 // bytes written
	kernelOrder bool
}

func newMD4(kernelOrder bool) *md4 {
	return &md4{h: [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}, kernelOrder: kernelOrder}
}

func (d *md4) write(p []byte) {
	d.n += uint64(len(p))
	for len(p) > 0 {
		k := copy(d.buf[d.nbuf:], p)
		d.nbuf += k
		p = p[k:]
		if d.nbuf == len(d.buf) {
			d.block(d.words(d.buf[:]))
			d.nbuf = 0
		}
	}
}

// words splits a 64-byte block into message words.
func (d *md4) words(p []byte) [16]uint32 {
	var x [16]uint32
	for i := range x {
		if d.kernelOrder {
			x[i] = binary.BigEndian.Uint32(p[4*i:])
		} else {
			x[i] = binary.LittleEndian.Uint32(p[4*i:])
		}
	}
	return x
}

// sum returns the four state words after padding (the RFC 1320 digest is
// their little-endian bytes). d is a copy: the caller's state is kept.
func (d md4) sum() [4]uint32 {
	d.buf[d.nbuf] = 0x80
	clear(d.buf[d.nbuf+1:])
	if d.nbuf >= 56 {
		d.block(d.words(d.buf[:]))
		clear(d.buf[:])
	}
	x := d.words(d.buf[:])
	x[14], x[15] = uint32(d.n<<3), uint32(d.n>>29)
	d.block(x)
	return d.h
}

func (d *md4) block(x [16]uint32) {
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
