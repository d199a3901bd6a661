package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchModules writes pairs exporter/friend modules into dir, made from the
// synthetic exporter.o and user.o with their "exporter_" symbols renamed
// per pair (as bench/helpers makes its modpost input), a modules.order, and
// a vmlinux.symvers of about Debian 7.2.13 amd64's size.
func benchModules(b *testing.B, dir string, pairs int) {
	b.Helper()
	src := filepath.Join(synthDir, "objs", "x86_64")
	for i := range pairs {
		for _, m := range []struct{ tmpl, name string }{
			{"exporter.o", fmt.Sprintf("exporter%04d.o", i)},
			{"user.o", fmt.Sprintf("friend%04d.o", i)},
		} {
			data, err := os.ReadFile(filepath.Join(src, m.tmpl))
			if err != nil {
				b.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			s := f.Section(".strtab")
			tab := data[s.Offset : s.Offset+s.Size]
			copy(tab, bytes.ReplaceAll(tab, []byte("exporter_"), fmt.Appendf(nil, "x%07d_", i)))
			if err := os.WriteFile(filepath.Join(dir, m.name), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	var order, symvers strings.Builder
	for i := range pairs {
		fmt.Fprintf(&order, "exporter%04d.o\nfriend%04d.o\n", i, i)
	}
	vm, err := os.ReadFile(filepath.Join(synthDir, "vmlinux.symvers"))
	if err != nil {
		b.Fatal(err)
	}
	symvers.Write(vm)
	for i := range 29242 {
		fmt.Fprintf(&symvers, "0x00000000\tkernel_symbol_%05d\tvmlinux\tEXPORT_SYMBOL\t\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.order"), []byte(order.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vmlinux.symvers"), []byte(symvers.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRun2000 runs modpost in process on 2,000 modules (1,000
// exporting five symbols each, 1,000 using three of them) against 29,245
// vmlinux exports, with kbuild's arguments for an external build. Each
// iteration writes 2,000 .mod.c files and Module.symvers.
func BenchmarkRun2000(b *testing.B) {
	dir := b.TempDir()
	benchModules(b, dir, 1000)
	b.Chdir(dir)
	opts, err := parseArgs([]string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux.symvers", "-e"}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if code := run(opts, io.Discard); code != 0 {
			b.Fatalf("run exited %d", code)
		}
	}
}
