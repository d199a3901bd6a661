package elf

import (
	"bytes"
	"cmp"
	delf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReadonlyFlags are the objcopy section flags that make a blob's section
// read-only: `--rename-section .data=NAME,alloc,load,readonly,data,contents`.
const ReadonlyFlags = "alloc,load,readonly,data,contents"

// shfExclude is SHF_EXCLUDE, which debug/elf does not name.
const shfExclude delf.SectionFlag = 0x80000000

// MaxAlign is the largest section alignment Blob accepts (a 64 KiB page).
const MaxAlign = 1 << 16

// Blob describes a relocatable object holding one blob, the object that
//
//	ld -r -b binary NAME
//	objcopy --rename-section .data=SECTION[,FLAGS] \
//	    --set-section-alignment .data=ALIGN --prefix-symbols=PREFIX
//
// make. It has one PROGBITS section with the blob and three global symbols:
// PREFIX_binary_N_start and PREFIX_binary_N_end at the blob's start and end
// in that section, and PREFIX_binary_N_size, an absolute symbol whose value
// is the blob's size. N is NAME mangled as ld mangles it (see MangleName).
// The object is laid out as ld and objcopy lay it out.
type Blob struct {
	Arch    Arch
	Name    string // the blob's name as given to ld, e.g. "fips140.ko"
	Prefix  string // prepended to every symbol name; may be empty
	Section string // the section's name; "" means ".data"
	Flags   string // objcopy section flags; "" keeps .data's (writable, alloc)
	Align   uint64 // the section's alignment, a power of two; 0 means 1
}

// MangleName turns a name into the symbol part `ld -b binary` makes of it:
// every byte that is not an ASCII letter or digit becomes '_'.
func MangleName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Symbols returns the names of the blob's start, end and size symbols.
func (b Blob) Symbols() (start, end, size string) {
	base := b.Prefix + "_binary_" + MangleName(b.Name)
	return base + "_start", base + "_end", base + "_size"
}

// SectionFlags converts objcopy section flag words (comma-separated, as
// after `--rename-section OLD=NEW,`) into ELF section flags as objcopy sets
// them. It accepts the words alloc, load, readonly, code, data, contents and
// exclude, in any case, and requires contents, without which objcopy drops
// the blob's bytes.
func SectionFlags(words string) (delf.SectionFlag, error) {
	if words == "" {
		return delf.SHF_WRITE | delf.SHF_ALLOC, nil
	}
	var alloc, readonly, code, contents, exclude bool
	for _, w := range strings.Split(words, ",") {
		switch strings.ToLower(w) {
		case "alloc":
			alloc = true
		case "readonly":
			readonly = true
		case "code":
			code = true
		case "load", "data":
			// No ELF flag; with contents, the section is PROGBITS.
		case "contents":
			contents = true
		case "exclude":
			exclude = true
		default:
			return 0, fmt.Errorf("section flags %q: unsupported flag %q (want alloc, load, readonly, code, data, contents or exclude)", words, w)
		}
	}
	if !contents {
		// objcopy would make the section NOBITS or fill it with zeros.
		return 0, fmt.Errorf("section flags %q lack \"contents\", which keeps the blob's bytes", words)
	}
	var f delf.SectionFlag
	if alloc {
		f |= delf.SHF_ALLOC
	}
	if !readonly {
		f |= delf.SHF_WRITE
	}
	if code {
		f |= delf.SHF_EXECINSTR
	}
	if exclude {
		f |= shfExclude
	}
	return f, nil
}

// checkSectionName refuses names that bfd gives a type other than PROGBITS
// (so objcopy would not make the same object) and names ELF cannot hold.
func checkSectionName(name string) error {
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("section name %q contains a NUL byte", name)
	}
	switch name {
	case ".symtab", ".strtab", ".shstrtab", ".symtab_shndx", ".dynamic", ".dynsym", ".dynstr", ".hash",
		".init_array", ".fini_array", ".preinit_array", ".gnu.hash", ".gnu.liblist", ".gnu.conflict":
		return fmt.Errorf("section name %q is reserved for another section type", name)
	}
	for _, p := range []string{".rel", ".gnu.version"} {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("section name %q is reserved for another section type (it starts with %q)", name, p)
		}
	}
	return nil
}

// layout is where each part of a Blob's object goes.
type layout struct {
	flags     delf.SectionFlag
	align     uint64
	dataOff   uint64
	symtabOff uint64
	globals   []global // in the order they are written
	strtab    []byte
	shstrtab  []byte
	secNames  map[string]uint32 // offsets in shstrtab
	shoff     uint64
}

// Check reports whether b can be written, so that callers can refuse bad
// settings before they read any input.
func (b Blob) Check() error {
	_, err := b.layout(0)
	return err
}

func (b Blob) layout(size int64) (*layout, error) {
	if b.Arch.Machine() == delf.EM_NONE {
		return nil, fmt.Errorf("unsupported architecture %v", b.Arch)
	}
	if b.Name == "" {
		return nil, errors.New("empty blob name")
	}
	if strings.IndexByte(b.Name, 0) >= 0 || strings.IndexByte(b.Prefix, 0) >= 0 {
		return nil, errors.New("blob name or symbol prefix contains a NUL byte")
	}
	if size < 0 {
		return nil, fmt.Errorf("negative blob size %d", size)
	}
	l := &layout{align: b.Align}
	if l.align == 0 {
		l.align = 1
	}
	if l.align&(l.align-1) != 0 || l.align > MaxAlign {
		return nil, fmt.Errorf("section alignment %d is not a power of two up to %d", b.Align, MaxAlign)
	}
	if err := checkSectionName(b.section()); err != nil {
		return nil, err
	}
	var err error
	if l.flags, err = SectionFlags(b.Flags); err != nil {
		return nil, err
	}

	start, end, sizeSym := b.Symbols()
	l.globals = []global{
		{name: start, shndx: secBlob, value: 0},
		{name: end, shndx: secBlob, value: uint64(size)},
		{name: sizeSym, shndx: delf.SHN_ABS, value: uint64(size)},
	}
	sortLikeLd(l.globals, b.Prefix)
	var syms strtab
	for _, g := range l.globals {
		syms.add(g.name)
	}
	var offs map[string]uint32
	l.strtab, offs = syms.layout()
	for i := range l.globals {
		l.globals[i].strOff = offs[l.globals[i].name]
	}

	// bfd adds its own sections' names before the blob section's.
	var secs strtab
	for _, n := range []string{".symtab", ".strtab", ".shstrtab", b.section()} {
		secs.add(n)
	}
	l.shstrtab, l.secNames = secs.layout()

	// The blob follows the ELF header even when its alignment is larger,
	// as binutils 2.47 lays it out; 2.40 padded its file offset.
	l.dataOff = ehdrSize
	l.symtabOff = alignUp(l.dataOff+uint64(size), 8)
	strEnd := l.symtabOff + numSyms*symSize + uint64(len(l.strtab)) + uint64(len(l.shstrtab))
	l.shoff = alignUp(strEnd, 8)
	return l, nil
}

// global is one of the blob's global symbols.
type global struct {
	name   string
	shndx  delf.SectionIndex
	value  uint64
	strOff uint32
}

// sortLikeLd puts the start, end and size symbols (in that order) in the
// order `ld -r` writes them, the order of its symbol hash table: by bucket
// (bfd's string hash of the name before any prefix, modulo ld's default
// 4051 buckets), and within a bucket the later symbol first. The order
// means nothing to a linker; keeping it makes our objects byte-identical
// to ld's and objcopy's.
func sortLikeLd(globals []global, prefix string) {
	const buckets = 4051
	bucket := func(i int) uint32 {
		return bfdHash(strings.TrimPrefix(globals[i].name, prefix)) % buckets
	}
	idx := make([]int, len(globals))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		if c := cmp.Compare(bucket(i), bucket(j)); c != 0 {
			return c
		}
		return cmp.Compare(j, i)
	})
	sorted := make([]global, len(globals))
	for k, i := range idx {
		sorted[k] = globals[i]
	}
	copy(globals, sorted)
}

// bfdHash is the string hash of bfd's hash tables (bfd_hash_hash).
func bfdHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		c := uint32(s[i])
		h += c + c<<17
		h ^= h >> 2
	}
	n := uint32(len(s))
	h += n + n<<17
	h ^= h >> 2
	return h
}

func (b Blob) section() string {
	if b.Section == "" {
		return ".data"
	}
	return b.Section
}

// The object's sections, in order.
const (
	secBlob = 1 + iota
	secSymtab
	secStrtab
	secShstrtab
	numSections
)

// numSyms counts the symbols: null, the section, start, end and size.
const numSyms = 5

func alignUp(n, align uint64) uint64 { return (n + align - 1) &^ (align - 1) }

// Write writes the object for a blob of size bytes read from data. It
// fails if data holds fewer than size bytes; bytes after them are not read.
// When w is an *os.File and data an *os.File, the blob is copied by the
// kernel (copy_file_range) where it can.
func (b Blob) Write(w io.Writer, data io.Reader, size int64) error {
	l, err := b.layout(size)
	if err != nil {
		return err
	}
	head := make([]byte, l.dataOff)
	b.putHeader(head, l)
	if _, err := w.Write(head); err != nil {
		return err
	}
	n, err := io.CopyN(w, data, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("blob ended after %d of %d bytes", n, size)
		}
		return err
	}
	_, err = w.Write(b.tail(l, uint64(size)))
	return err
}

// Bytes returns the object for blob.
func (b Blob) Bytes(blob []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := b.Write(&buf, bytes.NewReader(blob), int64(len(blob))); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (b Blob) putHeader(h []byte, l *layout) {
	le := binary.LittleEndian
	copy(h, delf.ELFMAG)
	h[delf.EI_CLASS] = byte(delf.ELFCLASS64)
	h[delf.EI_DATA] = byte(delf.ELFDATA2LSB)
	h[delf.EI_VERSION] = byte(delf.EV_CURRENT)
	h[delf.EI_OSABI] = byte(delf.ELFOSABI_NONE)
	le.PutUint16(h[16:], uint16(delf.ET_REL))
	le.PutUint16(h[18:], uint16(b.Arch.Machine()))
	le.PutUint32(h[20:], uint32(delf.EV_CURRENT))
	// e_entry and e_phoff stay 0; there are no program headers.
	le.PutUint64(h[40:], l.shoff)
	// e_flags stays 0.
	le.PutUint16(h[52:], ehdrSize)
	// e_phentsize and e_phnum stay 0, as ld writes them for ET_REL.
	le.PutUint16(h[58:], shdrSize)
	le.PutUint16(h[60:], numSections)
	le.PutUint16(h[62:], secShstrtab)
}

// tail returns everything after the blob: padding, the symbol table, the
// string tables and the section headers.
func (b Blob) tail(l *layout, size uint64) []byte {
	le := binary.LittleEndian
	base := l.dataOff + size // the file offset of tail's first byte
	out := make([]byte, l.symtabOff-base, l.shoff+numSections*shdrSize-base)

	sym := func(name uint32, typ delf.SymType, bind delf.SymBind, shndx delf.SectionIndex, value uint64) {
		var s [symSize]byte
		le.PutUint32(s[0:], name)
		s[4] = byte(bind)<<4 | byte(typ)
		le.PutUint16(s[6:], uint16(shndx))
		le.PutUint64(s[8:], value)
		out = append(out, s[:]...)
	}
	sym(0, delf.STT_NOTYPE, delf.STB_LOCAL, delf.SHN_UNDEF, 0)
	sym(0, delf.STT_SECTION, delf.STB_LOCAL, secBlob, 0)
	for _, g := range l.globals {
		sym(g.strOff, delf.STT_NOTYPE, delf.STB_GLOBAL, g.shndx, g.value)
	}

	strtabOff := base + uint64(len(out))
	out = append(out, l.strtab...)
	shstrtabOff := base + uint64(len(out))
	out = append(out, l.shstrtab...)
	out = out[:l.shoff-base]

	shdr := func(name uint32, typ delf.SectionType, flags delf.SectionFlag, off, size uint64, link, info uint32, align, entsize uint64) {
		var s [shdrSize]byte
		le.PutUint32(s[0:], name)
		le.PutUint32(s[4:], uint32(typ))
		le.PutUint64(s[8:], uint64(flags))
		// sh_addr stays 0.
		le.PutUint64(s[24:], off)
		le.PutUint64(s[32:], size)
		le.PutUint32(s[40:], link)
		le.PutUint32(s[44:], info)
		le.PutUint64(s[48:], align)
		le.PutUint64(s[56:], entsize)
		out = append(out, s[:]...)
	}
	shdr(0, delf.SHT_NULL, 0, 0, 0, 0, 0, 0, 0)
	shdr(l.secNames[b.section()], delf.SHT_PROGBITS, l.flags, l.dataOff, size, 0, 0, l.align, 0)
	// The symbol table's sh_info is the index of its first global symbol.
	shdr(l.secNames[".symtab"], delf.SHT_SYMTAB, 0, l.symtabOff, numSyms*symSize, secStrtab, 2, 8, symSize)
	shdr(l.secNames[".strtab"], delf.SHT_STRTAB, 0, strtabOff, uint64(len(l.strtab)), 0, 0, 1, 0)
	shdr(l.secNames[".shstrtab"], delf.SHT_STRTAB, 0, shstrtabOff, uint64(len(l.shstrtab)), 0, 0, 1, 0)
	return out
}
