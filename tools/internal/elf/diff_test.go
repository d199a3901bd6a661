package elf

import (
	"bytes"
	delf "debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/testskip"

	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

// objcopyArgs are the objcopy arguments that turn `ld -r -b binary`'s
// object into b's.
func objcopyArgs(b Blob) []string {
	var args []string
	if b.Section != "" || b.Flags != "" {
		rename := ".data=" + b.section()
		if b.Flags != "" {
			rename += "," + b.Flags
		}
		args = append(args, "--rename-section", rename)
	}
	if b.Align > 1 {
		args = append(args, "--set-section-alignment", ".data="+strconv.FormatUint(b.Align, 10))
	}
	if b.Prefix != "" {
		args = append(args, "--prefix-symbols="+b.Prefix)
	}
	return args
}

// referenceObject makes b's object for data with ld and objcopy.
func referenceObject(t *testing.T, tc *realtool.Toolchain, b Blob, data []byte) []byte {
	t.Helper()
	dir := tc.WorkDir(t)
	path := filepath.Join(dir, filepath.FromSlash(b.Name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	realtool.Run(t, tc.LD, dir, "-m", tc.Emulation, "-r", "-b", "binary", "-o", "ref.o", b.Name)
	if args := objcopyArgs(b); len(args) > 0 {
		realtool.Run(t, tc.Objcopy, dir, append(args, "ref.o")...)
	}
	ref, err := os.ReadFile(filepath.Join(dir, "ref.o"))
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestDifferential compares our objects with ld's and objcopy's: the same
// header, sections (names, types, flags, alignment, contents) and symbols
// (name, value, size, binding, type, section), and then the same bytes.
func TestDifferential(t *testing.T) {
	for _, arch := range Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := realtool.FindToolchain(t, arch.String())
			for _, c := range blobCases() {
				t.Run(c.name, func(t *testing.T) {
					b := c.blob
					b.Arch = arch
					data := blobData(c.name, c.size)
					ours, err := b.Bytes(data)
					if err != nil {
						t.Fatal(err)
					}
					ref := referenceObject(t, tc, b, data)
					if diff := cmp.Diff(describe(t, ref), describe(t, ours)); diff != "" {
						t.Fatalf("ours differs from ld -r -b binary + objcopy %q (-theirs +ours):\n%s", objcopyArgs(b), diff)
					}
					if !bytes.Equal(ref, ours) && b.Align > ehdrSize && refDataOffset(t, ref) != ehdrSize {
						testskip.Allowed(t, testskip.ReferenceDiffers, "same content; binutils before 2.47 pads an over-aligned section's file offset, so the bytes differ")
					}
					if !bytes.Equal(ref, ours) {
						i := 0
						for i < min(len(ref), len(ours)) && ref[i] == ours[i] {
							i++
						}
						t.Errorf("same content, but the bytes differ from offset %#x (theirs %d bytes, ours %d)", i, len(ref), len(ours))
					}
				})
			}
		})
	}
}

// linkCases are the blobCases whose symbols a C file can name.
func linkCases() []blobCase {
	var out []blobCase
	for _, c := range blobCases() {
		switch c.name {
		case "plain", "module", "digest", "nonfips140", "empty", "odd-name", "align4096", "flags-code":
			out = append(out, c)
		}
	}
	return out
}

const userC = `extern const char blob_start[] __asm__("%s");
extern const char blob_end[] __asm__("%s");
extern const char blob_size[] __asm__("%s");
const void *const blob_refs[3] = { blob_start, blob_end, blob_size };
`

// TestLinks links our object with a C object that refers to its symbols:
// first `ld -r` of the two, then a static link of that, and checks that
// the C object's pointers hold the blob's address, end and size.
func TestLinks(t *testing.T) {
	for _, arch := range Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := realtool.FindToolchain(t, arch.String())
			for _, c := range linkCases() {
				t.Run(c.name, func(t *testing.T) {
					b := c.blob
					b.Arch = arch
					data := blobData(c.name, c.size)
					start, end, size := b.Symbols()
					dir := tc.WorkDir(t)
					obj, err := b.Bytes(data)
					if err != nil {
						t.Fatal(err)
					}
					write(t, filepath.Join(dir, "blob.o"), obj)
					write(t, filepath.Join(dir, "user.c"), []byte(fmt.Sprintf(userC, start, end, size)))
					realtool.Run(t, tc.CC, dir, "-c", "-O2", "-fno-pic", "-o", "user.o", "user.c")
					realtool.Run(t, tc.LD, dir, "-m", tc.Emulation, "-r", "-o", "combined.o", "user.o", "blob.o")
					checkCombined(t, filepath.Join(dir, "combined.o"), b, start, end, size)
					realtool.Run(t, tc.LD, dir, "-m", tc.Emulation, "-z", "noexecstack", "-e", "0", "-o", "final", "combined.o")
					checkFinal(t, filepath.Join(dir, "final"), arch, data, start, end, size)
				})
			}
		})
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkCombined checks that after ld -r the blob's symbols are defined,
// in the blob's section, and not left undefined by the C object.
func checkCombined(t *testing.T, path string, b Blob, start, end, size string) {
	t.Helper()
	f, err := Open(path, Want{Arch: b.Arch, Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]delf.Symbol{}
	for _, s := range syms {
		if s.Name == start || s.Name == end || s.Name == size {
			if _, dup := found[s.Name]; dup {
				t.Errorf("%s appears twice", s.Name)
			}
			found[s.Name] = s
		}
	}
	for _, name := range []string{start, end} {
		s, ok := found[name]
		if !ok || s.Section == delf.SHN_UNDEF || int(s.Section) >= len(f.Sections) || f.Sections[s.Section].Name != b.section() {
			t.Errorf("%s after ld -r: %+v, want it defined in %s", name, s, b.section())
		}
	}
	if s, ok := found[size]; !ok || s.Section != delf.SHN_ABS {
		t.Errorf("%s after ld -r: %+v, want it absolute", size, s)
	}
}

// checkFinal checks the static link: blob_refs holds the start, end and
// size, and the bytes at start are the blob.
func checkFinal(t *testing.T, path string, arch Arch, data []byte, start, end, size string) {
	t.Helper()
	f, err := Open(path, Want{Arch: arch, Type: delf.ET_EXEC})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	value := map[string]uint64{}
	for _, s := range syms {
		value[s.Name] = s.Value
	}
	refs := readAt(t, f, value["blob_refs"], 24)
	le := binary.LittleEndian
	got := [3]uint64{le.Uint64(refs), le.Uint64(refs[8:]), le.Uint64(refs[16:])}
	want := [3]uint64{value[start], value[end], value[size]}
	if got != want {
		t.Errorf("blob_refs = %#x, want the symbols' values %#x", got, want)
	}
	if n := uint64(len(data)); want[1]-want[0] != n || want[2] != n {
		t.Errorf("end-start = %d, size = %d; want %d", want[1]-want[0], want[2], n)
	}
	if len(data) > 0 && !bytes.Equal(readAt(t, f, want[0], len(data)), data) {
		t.Errorf("the bytes at %s are not the blob", start)
	}
}

func readAt(t *testing.T, f *File, addr uint64, n int) []byte {
	t.Helper()
	for _, s := range f.Sections {
		if s.Flags&delf.SHF_ALLOC != 0 && s.Type == delf.SHT_PROGBITS && s.Addr <= addr && addr+uint64(n) <= s.Addr+s.Size {
			d, err := s.Data()
			if err != nil {
				t.Fatal(err)
			}
			return d[addr-s.Addr : addr-s.Addr+uint64(n)]
		}
	}
	t.Fatalf("no section holds %d bytes at %#x", n, addr)
	return nil
}

// TestLinkRefusesOtherArch checks that the linker refuses our object for
// the other architecture, so a mixed link cannot pass unnoticed.
func TestLinkRefusesOtherArch(t *testing.T) {
	tc := realtool.FindToolchain(t, X86_64.String())
	dir := tc.WorkDir(t)
	obj, err := Blob{Arch: ARM64, Name: "fips140.ko"}.Bytes([]byte("module"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "blob.o"), obj)
	write(t, filepath.Join(dir, "user.c"), []byte(fmt.Sprintf(userC, "_binary_fips140_ko_start", "_binary_fips140_ko_end", "_binary_fips140_ko_size")))
	realtool.Run(t, tc.CC, dir, "-c", "-O2", "-fno-pic", "-o", "user.o", "user.c")
	err = realtool.Try(tc.LD, dir, "-m", tc.Emulation, "-r", "-o", "combined.o", "user.o", "blob.o")
	if err == nil {
		t.Fatal("ld -r of an x86_64 object and our arm64 object succeeded")
	}
	if !strings.Contains(err.Error(), "blob.o") {
		t.Errorf("ld's error does not name blob.o: %v", err)
	}
	t.Logf("ld refused as expected: %v", err)
}

// refDataOffset is the file offset of the blob section in ref.
func refDataOffset(t *testing.T, ref []byte) uint64 {
	t.Helper()
	f, err := delf.NewFile(bytes.NewReader(ref))
	if err != nil {
		t.Fatal(err)
	}
	return f.Sections[secBlob].Offset
}
