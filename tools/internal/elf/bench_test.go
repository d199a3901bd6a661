package elf

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkBlobWrite64MB writes the object for a 64 MB blob held in
// memory, without file I/O: the cost of Write itself.
func BenchmarkBlobWrite64MB(b *testing.B) {
	const size = 64 << 20
	data := make([]byte, size)
	blob := Blob{Arch: ARM64, Name: "fips140.ko", Section: ".fips140_module_data", Align: 8}
	b.SetBytes(size)
	for b.Loop() {
		if err := blob.Write(io.Discard, bytes.NewReader(data), size); err != nil {
			b.Fatal(err)
		}
	}
}
