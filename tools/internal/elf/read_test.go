package elf

import (
	"bytes"
	delf "debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// validObject is a small well-formed ET_REL object for arch.
func validObject(t testing.TB, arch Arch) []byte {
	t.Helper()
	obj, err := Blob{Arch: arch, Name: "fips140.ko", Section: ".fips140_module_data"}.Bytes([]byte("module bytes"))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestNewFileBad(t *testing.T) {
	le := binary.LittleEndian
	x86 := validObject(t, X86_64)
	arm := validObject(t, ARM64)
	shoff := le.Uint64(x86[40:])
	edit := func(obj []byte, f func(b []byte)) []byte {
		b := bytes.Clone(obj)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		want    Want
		wantErr string
	}{
		{"empty", nil, Want{}, "empty file"},
		{"truncated magic", x86[:3], Want{}, "truncated ELF header: 3 bytes, want 64"},
		{"truncated header", x86[:20], Want{}, "truncated ELF header: 20 bytes, want 64"},
		{"header one byte short", x86[:63], Want{}, "truncated ELF header: 63 bytes"},
		{"not ELF", []byte("!<arch>\nsome archive"), Want{}, "not an ELF file (starts with 21 3c 61 72)"},
		{"ELF32", edit(x86, func(b []byte) { b[delf.EI_CLASS] = byte(delf.ELFCLASS32) }), Want{}, "ELF class ELFCLASS32, want ELFCLASS64"},
		{"big-endian", edit(x86, func(b []byte) { b[delf.EI_DATA] = byte(delf.ELFDATA2MSB) }), Want{}, "ELF data encoding ELFDATA2MSB"},
		{"ident version", edit(x86, func(b []byte) { b[delf.EI_VERSION] = 0 }), Want{}, "identification version 0"},
		{"i386 machine", edit(x86, func(b []byte) { le.PutUint16(b[18:], uint16(delf.EM_386)) }), Want{}, "unsupported machine EM_386"},
		{"x86_64 wanted, arm64 given", arm, Want{Arch: X86_64}, "machine EM_AARCH64 (arm64), want EM_X86_64 (x86_64)"},
		{"arm64 wanted, x86_64 given", x86, Want{Arch: ARM64}, "machine EM_X86_64 (x86_64), want EM_AARCH64 (arm64)"},
		{"not ET_REL", edit(x86, func(b []byte) { le.PutUint16(b[16:], uint16(delf.ET_EXEC)) }), Want{Type: delf.ET_REL}, "ELF type ET_EXEC, want ET_REL"},
		{"ELF version", edit(x86, func(b []byte) { le.PutUint32(b[20:], 2) }), Want{}, "ELF version 2, want 1"},
		{"section header size", edit(x86, func(b []byte) { le.PutUint16(b[58:], 40) }), Want{}, "section header size 40, want 64"},
		{"truncated section headers", x86[:shoff+100], Want{}, "truncated ELF: 5 section headers at offset"},
		{"section headers past 2^64", edit(x86, func(b []byte) { le.PutUint64(b[40:], 1<<64-64) }), Want{}, "truncated ELF: 5 section headers"},
		{"section data past the end", edit(x86, func(b []byte) { le.PutUint64(b[shoff+shdrSize+32:], 1<<20) }), Want{},
			`truncated ELF: section 1 (".fips140_module_data") at offset 0x40, 1048576 bytes, ends past the end of the file`},
		{"bad shstrndx", edit(x86, func(b []byte) { le.PutUint16(b[62:], 99) }), Want{}, "malformed ELF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewFile("in.o", bytes.NewReader(tc.data), int64(len(tc.data)), tc.want)
			if err == nil {
				t.Fatalf("accepted: %+v", f.FileHeader)
			}
			if !strings.HasPrefix(err.Error(), "in.o: ") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want one naming in.o and containing %q", err, tc.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) || e.Path != "in.o" {
				t.Errorf("error %#v is not an *Error for in.o", err)
			}
		})
	}
}

func TestNewFileGood(t *testing.T) {
	for _, arch := range Arches() {
		obj := validObject(t, arch)
		f, err := NewFile("ok.o", bytes.NewReader(obj), int64(len(obj)), Want{Arch: arch, Type: delf.ET_REL})
		if err != nil {
			t.Fatal(err)
		}
		if f.Arch != arch || f.Machine != arch.Machine() || f.Size != int64(len(obj)) || f.Path != "ok.o" {
			t.Errorf("%v: got arch %v machine %v size %d path %q", arch, f.Arch, f.Machine, f.Size, f.Path)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.o")
	if err := os.WriteFile(good, validObject(t, ARM64), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(good, Want{Arch: ARM64, Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	unreadable := filepath.Join(dir, "unreadable.o")
	if err := os.WriteFile(unreadable, validObject(t, ARM64), 0o000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, wantErr string
		skip                bool
	}{
		{"missing", filepath.Join(dir, "missing.o"), "cannot open: no such file or directory", false},
		{"directory", dir, "not a regular file", false},
		// root reads any file, so this case runs only for other users.
		{"unreadable", unreadable, "cannot open: permission denied", os.Geteuid() == 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				testskip.Allowed(t, testskip.AsRoot, "root can read a mode 000 file")
			}
			_, err := Open(tc.path, Want{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.path+": ") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one naming %s and containing %q", err, tc.path, tc.wantErr)
			}
		})
	}
}

func TestSameArch(t *testing.T) {
	open := func(name string, arch Arch) *File {
		obj := validObject(t, arch)
		f, err := NewFile(name, bytes.NewReader(obj), int64(len(obj)), Want{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b, c := open("a.o", X86_64), open("b.o", X86_64), open("c.o", ARM64)
	if err := SameArch([]*File{a, b}); err != nil {
		t.Errorf("two x86_64 files: %v", err)
	}
	if err := SameArch(nil); err != nil {
		t.Errorf("no files: %v", err)
	}
	err := SameArch([]*File{a, b, c})
	want := "c.o: mixed architectures: arm64 (EM_AARCH64), but a.o is x86_64 (EM_X86_64)"
	if err == nil || err.Error() != want {
		t.Errorf("mixed files: error %v, want %q", err, want)
	}
}

// FuzzNewFile checks that no input makes NewFile or the reads a caller
// then makes panic, that every error names the file, and that what it
// accepts is what it promises.
func FuzzNewFile(f *testing.F) {
	for _, arch := range Arches() {
		obj := validObject(f, arch)
		f.Add(obj)
		f.Add(obj[:len(obj)/2])
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.o"))
	for _, g := range golden {
		if data, err := os.ReadFile(g); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := NewFile("fuzz.o", bytes.NewReader(data), int64(len(data)), Want{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "fuzz.o: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if ef.Class != delf.ELFCLASS64 || ef.Data != delf.ELFDATA2LSB || ef.Machine != ef.Arch.Machine() {
			t.Fatalf("accepted class %v data %v machine %v as %v", ef.Class, ef.Data, ef.Machine, ef.Arch)
		}
		for _, s := range ef.Sections {
			if s.Type == delf.SHT_NOBITS || s.Flags&delf.SHF_COMPRESSED != 0 {
				continue
			}
			if _, err := s.Data(); err != nil && s.Type != delf.SHT_NULL {
				t.Fatalf("section %q within the file cannot be read: %v", s.Name, err)
			}
		}
		ef.Symbols()
	})
}
