package elf

import (
	"bytes"
	delf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

const (
	ehdrSize = 64 // sizeof(Elf64_Ehdr)
	shdrSize = 64 // sizeof(Elf64_Shdr)
	symSize  = 24 // sizeof(Elf64_Sym)
)

// Error is a problem with one ELF file. Its text names the file first.
type Error struct {
	Path    string // the file as the caller named it
	Problem string // what is wrong, e.g. "truncated ELF header: 12 bytes, want 64"
	Err     error  // the underlying error, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Path, e.Problem, e.Err)
	}
	return e.Path + ": " + e.Problem
}

func (e *Error) Unwrap() error { return e.Err }

// Want is what a caller requires of an ELF file beyond ELF64 little-endian
// for a supported architecture.
type Want struct {
	Arch Arch      // zero: either architecture
	Type delf.Type // ET_NONE: any type
}

// File is an ELF64 little-endian file for a supported architecture.
type File struct {
	*delf.File
	Path   string // the file as the caller named it
	Arch   Arch
	Size   int64
	closer io.Closer
}

// Close closes the file opened by Open.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Open opens and checks the ELF file at path.
func Open(path string, want Want) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Problem: "cannot open", Err: pathless(err)}
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, &Error{Path: path, Problem: "cannot stat", Err: pathless(err)}
	}
	if !st.Mode().IsRegular() {
		osf.Close()
		return nil, &Error{Path: path, Problem: fmt.Sprintf("not a regular file (%v)", st.Mode().Type())}
	}
	f, err := NewFile(path, osf, st.Size(), want)
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.closer = osf
	return f, nil
}

// pathless drops the path from an *fs.PathError, since Error names the
// file already.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// NewFile checks the size bytes of r as an ELF file named path. It checks
// the header and that the section header table and every section's data lie
// within the file before it hands r to debug/elf.
func NewFile(path string, r io.ReaderAt, size int64, want Want) (*File, error) {
	bad := func(format string, args ...any) error {
		return &Error{Path: path, Problem: fmt.Sprintf(format, args...)}
	}
	if size == 0 {
		return nil, bad("empty file, want an ELF object")
	}
	h := make([]byte, min(size, ehdrSize))
	if n, err := r.ReadAt(h, 0); n < len(h) {
		return nil, &Error{Path: path, Problem: "cannot read ELF header", Err: err}
	}
	magic := []byte(delf.ELFMAG)
	if !bytes.HasPrefix(h, magic) {
		if len(h) < len(magic) && bytes.HasPrefix(magic, h) {
			return nil, bad("truncated ELF header: %d bytes, want %d", len(h), ehdrSize)
		}
		return nil, bad("not an ELF file (starts with % x)", h[:min(len(h), len(magic))])
	}
	if len(h) > delf.EI_CLASS && delf.Class(h[delf.EI_CLASS]) != delf.ELFCLASS64 {
		return nil, bad("ELF class %v, want ELFCLASS64", delf.Class(h[delf.EI_CLASS]))
	}
	if len(h) > delf.EI_DATA && delf.Data(h[delf.EI_DATA]) != delf.ELFDATA2LSB {
		return nil, bad("ELF data encoding %v, want ELFDATA2LSB (little-endian)", delf.Data(h[delf.EI_DATA]))
	}
	if len(h) < ehdrSize {
		return nil, bad("truncated ELF header: %d bytes, want %d", len(h), ehdrSize)
	}
	le := binary.LittleEndian
	if v := h[delf.EI_VERSION]; delf.Version(v) != delf.EV_CURRENT {
		return nil, bad("ELF identification version %d, want 1", v)
	}
	typ := delf.Type(le.Uint16(h[16:]))
	machine := delf.Machine(le.Uint16(h[18:]))
	arch, ok := archOf(machine)
	if !ok {
		return nil, bad("unsupported machine %v, want EM_X86_64 or EM_AARCH64", machine)
	}
	if want.Arch != 0 && arch != want.Arch {
		return nil, bad("machine %v (%v), want %v (%v)", machine, arch, want.Arch.Machine(), want.Arch)
	}
	if want.Type != delf.ET_NONE && typ != want.Type {
		return nil, bad("ELF type %v, want %v", typ, want.Type)
	}
	if v := le.Uint32(h[20:]); delf.Version(v) != delf.EV_CURRENT {
		return nil, bad("ELF version %d, want 1", v)
	}
	if err := checkSectionTable(h, size); err != nil {
		return nil, bad("%s", err)
	}
	ef, err := delf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, &Error{Path: path, Problem: "malformed ELF", Err: err}
	}
	for i, s := range ef.Sections {
		if s.Type == delf.SHT_NOBITS || s.Type == delf.SHT_NULL {
			continue
		}
		if end, ok := add(s.Offset, s.FileSize); !ok || end > uint64(size) {
			return nil, bad("truncated ELF: section %d (%q) at offset %#x, %d bytes, ends past the end of the file (%d bytes)",
				i, s.Name, s.Offset, s.FileSize, size)
		}
	}
	return &File{File: ef, Path: path, Arch: arch, Size: size}, nil
}

// checkSectionTable checks that the section header table described by the
// ELF header h lies within a file of the given size.
func checkSectionTable(h []byte, size int64) error {
	le := binary.LittleEndian
	shoff := le.Uint64(h[40:])
	shentsize := le.Uint16(h[58:])
	count := uint64(le.Uint16(h[60:]))
	if shoff == 0 {
		return nil
	}
	if shentsize != shdrSize {
		return fmt.Errorf("section header size %d, want %d", shentsize, shdrSize)
	}
	if count == 0 {
		// Extended numbering: the count is section 0's sh_size, read
		// by debug/elf once the table is known to fit.
		count = 1
	}
	end, ok := add(shoff, count*shdrSize)
	if !ok || end > uint64(size) {
		return fmt.Errorf("truncated ELF: %d section headers at offset %#x end past the end of the file (%d bytes)",
			count, shoff, size)
	}
	return nil
}

func add(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s >= a
}

// SameArch checks that files are all for one architecture. Its error names
// the first file that differs and the file it differs from.
func SameArch(files []*File) error {
	for _, f := range files {
		if f.Arch != files[0].Arch {
			return &Error{Path: f.Path, Problem: fmt.Sprintf("mixed architectures: %v (%v), but %s is %v (%v)",
				f.Arch, f.Machine, files[0].Path, files[0].Arch, files[0].Machine)}
		}
	}
	return nil
}
