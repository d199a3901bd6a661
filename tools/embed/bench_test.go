package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// BenchmarkEmbed64MB embeds a 64 MB blob from a file into an object file,
// as the command does: open, write a temporary file, rename.
func BenchmarkEmbed64MB(b *testing.B) {
	const size = 64 << 20
	dir := b.TempDir()
	in := filepath.Join(dir, "fips140.ko")
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7 >> 3)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		b.Fatal(err)
	}
	o := options{
		in:   in,
		out:  filepath.Join(dir, "out.o"),
		blob: elf.Blob{Arch: elf.X86_64, Name: "fips140.ko", Section: ".fips140_module_data", Align: 8},
	}
	b.SetBytes(size)
	for b.Loop() {
		if err := embed(o); err != nil {
			b.Fatal(err)
		}
	}
}
