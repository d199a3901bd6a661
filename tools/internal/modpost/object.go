// Package modpost reimplements the parts of Linux 7.2's scripts/mod/modpost
// that an external crypto module needs: it reads exports and undefined
// symbols from ET_REL objects, checks them against Module.symvers files, and
// writes <mod>.mod.c and Module.symvers as modpost does.
package modpost

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
)

// Machine names the target architectures modpost accepts.
var machineNames = map[elf.Machine]string{
	elf.EM_X86_64:  "x86_64",
	elf.EM_AARCH64: "aarch64",
}

// ObjExport is one EXPORT_SYMBOL* found in an object's .export_symbol section.
type ObjExport struct {
	Name      string
	GPLOnly   bool
	Namespace string
	IsFunc    bool   // the target symbol is STT_FUNC: KSYMTAB_FUNC, else KSYMTAB_DATA
	Section   string // section of the target symbol ("" when undefined)
}

// Undefined is a global or weak undefined symbol the object needs.
type Undefined struct {
	Name string
	Weak bool
}

// Object is what modpost needs from one relocatable object.
type Object struct {
	Path    string
	Machine elf.Machine
	// Exports in the order of the relocations of .export_symbol, which is
	// the order modpost lists them in.
	Exports []ObjExport
	// Undefined symbols in symbol table order, without the ones modpost
	// ignores (__this_module, _GLOBAL_OFFSET_TABLE_, __start_*, __stop_*).
	Undefined  []Undefined
	HasInit    bool // defines init_module
	HasCleanup bool // defines cleanup_module
	// ModInfo holds the object's .modinfo strings ("key=value") in order.
	ModInfo []string
	// Common lists COMMON symbols, which modpost warns about.
	Common []CommonSymbol
	// DeviceTables lists the __mod_device_table__* symbols
	// (MODULE_DEVICE_TABLE) in symbol table order.
	DeviceTables []DeviceTable
	// Diags are the problems modpost reports while reading the object, in
	// its order. Each message follows the module name.
	Diags []ObjDiag
}

// CommonSymbol is a COMMON symbol and its index in the symbol table.
type CommonSymbol struct {
	Name     string
	SymIndex int
}

// ObjDiag is a problem found in an object. modpost prints it as
// "<module>" + Sep + Text.
type ObjDiag struct {
	Error bool
	Sep   string
	Text  string
}

// ModInfoValues returns the values of every .modinfo entry with the given key.
func (o *Object) ModInfoValues(key string) []string {
	var vals []string
	for _, kv := range o.ModInfo {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			vals = append(vals, v)
		}
	}
	return vals
}

// ReadObjectFile reads the object at path.
func ReadObjectFile(path string) (*Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadObject(data, path)
}

// ReadObject reads a relocatable object from its bytes. path is used in
// errors and is kept in Object.Path.
func ReadObject(data []byte, path string) (obj *Object, err error) {
	defer func() {
		// In case debug/elf panics on a malformed input, report it as
		// bad input. (The fuzz target calls readObject to see panics.)
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("%s: malformed ELF: %v", path, p)
		}
	}()
	return readObject(data, path)
}

func readObject(data []byte, path string) (*Object, error) {
	if err := checkSectionBounds(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF object: %w", path, err)
	}
	if f.Type != elf.ET_REL {
		return nil, fmt.Errorf("%s: not a relocatable object (ELF type %v)", path, f.Type)
	}
	if _, ok := machineNames[f.Machine]; !ok || f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("%s: unsupported machine %v (%v, %v); want 64-bit little-endian x86_64 or aarch64", path, f.Machine, f.Class, f.Data)
	}
	o := &objReader{f: f, obj: &Object{Path: path, Machine: f.Machine}}
	if err := o.read(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o.obj, nil
}

// checkSectionBounds refuses a 64-bit little-endian ELF file whose section
// headers or section contents run past its end, before debug/elf spends
// time and memory on sizes taken from a damaged file. Other files are left
// for debug/elf to judge.
func checkSectionBounds(data []byte) error {
	const ehdrSize, shdrSize = 64, 64
	if len(data) < ehdrSize || string(data[:4]) != elf.ELFMAG ||
		elf.Class(data[elf.EI_CLASS]) != elf.ELFCLASS64 || elf.Data(data[elf.EI_DATA]) != elf.ELFDATA2LSB {
		return nil
	}
	le := binary.LittleEndian
	size := uint64(len(data))
	shoff := le.Uint64(data[0x28:])
	shnum := uint64(le.Uint16(data[0x3c:]))
	if shoff == 0 {
		return nil
	}
	if shoff > size || size-shoff < shdrSize {
		return fmt.Errorf("section headers at offset %d run past the end of the %d-byte file: truncated?", shoff, size)
	}
	if shnum == 0 {
		shnum = le.Uint64(data[shoff+32:]) // more than 0xff00 sections: the count is in section 0
	}
	if shnum > (size-shoff)/shdrSize {
		return fmt.Errorf("%d section headers at offset %d run past the end of the %d-byte file: truncated?", shnum, shoff, size)
	}
	for i := uint64(0); i < shnum; i++ {
		sh := data[shoff+i*shdrSize:]
		typ, off, sz := elf.SectionType(le.Uint32(sh[4:])), le.Uint64(sh[24:]), le.Uint64(sh[32:])
		if typ != elf.SHT_NOBITS && typ != elf.SHT_NULL && (off > size || sz > size-off) {
			return fmt.Errorf("section %d (offset %d, size %d) runs past the end of the %d-byte file: truncated?", i, off, sz, size)
		}
	}
	return nil
}

type objReader struct {
	f   *elf.File
	obj *Object
	// syms is the symbol table with the null symbol at index 0, so that
	// relocation symbol indices work directly.
	syms     []elf.Symbol
	shndx    []uint32 // resolved section index of each symbol
	exportIx int      // index of .export_symbol, or -1
}

const (
	shnXindex = 0xffff
	exportSec = ".export_symbol"
)

func (o *objReader) read() error {
	o.exportIx = -1
	for i, s := range o.f.Sections {
		switch {
		case s.Name == ".modinfo":
			if s.Type == elf.SHT_NOBITS {
				return errors.New("has NOBITS .modinfo")
			}
			data, err := s.Data()
			if err != nil {
				return fmt.Errorf("reading .modinfo: %w", err)
			}
			o.obj.ModInfo = splitModInfo(data)
		case s.Name == exportSec:
			o.exportIx = i
		}
	}
	if err := o.readSymbols(); err != nil {
		return err
	}
	for i := 1; i < len(o.syms); i++ {
		if err := o.handleSymbol(i); err != nil {
			return err
		}
	}
	// modpost checks each section in index order, and reads the exports
	// when it reaches the relocations of .export_symbol.
	for _, s := range o.f.Sections {
		if s.Type == elf.SHT_PROGBITS && s.Flags&elf.SHF_ALLOC == 0 && !matchAny(s.Name, sectionWhiteList) {
			o.obj.Diags = append(o.obj.Diags, ObjDiag{Sep: " (", Text: s.Name + "): unexpected non-allocatable section.\n" +
				"Did you forget to use \"ax\"/\"aw\" in a .S file?\n" +
				"Note that for example <linux/init.h> contains\n" +
				"section definitions for use in .S files.\n\n"})
		}
		if o.exportIx >= 0 && (s.Type == elf.SHT_RELA || s.Type == elf.SHT_REL) && int(s.Info) == o.exportIx {
			if err := o.readExports(s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *objReader) problem(format string, args ...any) {
	o.obj.Diags = append(o.obj.Diags, ObjDiag{Error: true, Sep: ": ", Text: fmt.Sprintf(format, args...) + "\n"})
}

func (o *objReader) readSymbols() error {
	syms, err := o.f.Symbols()
	if err != nil {
		return fmt.Errorf("has no readable symbol table: %w", err)
	}
	o.syms = append([]elf.Symbol{{}}, syms...)
	o.shndx = make([]uint32, len(o.syms))
	var xindex []byte
	for _, s := range o.f.Sections {
		if s.Type == elf.SHT_SYMTAB_SHNDX {
			if xindex, err = s.Data(); err != nil {
				return fmt.Errorf("reading %s: %w", s.Name, err)
			}
		}
	}
	for i, s := range o.syms {
		idx := uint32(s.Section)
		if idx == shnXindex {
			if 4*i+4 > len(xindex) {
				return fmt.Errorf("symbol %q has an extended section index but .symtab_shndx is missing or short", s.Name)
			}
			idx = binary.LittleEndian.Uint32(xindex[4*i:])
		}
		o.shndx[i] = idx
	}
	return nil
}

func (o *objReader) handleSymbol(i int) error {
	s := o.syms[i]
	name := removeDot(s.Name)
	switch {
	case s.Section == elf.SHN_COMMON:
		if !strings.HasPrefix(name, "__gnu_lto_") {
			o.obj.Common = append(o.obj.Common, CommonSymbol{name, i})
		}
	case s.Section == elf.SHN_UNDEF:
		bind := elf.ST_BIND(s.Info)
		if bind != elf.STB_GLOBAL && bind != elf.STB_WEAK {
			return nil
		}
		if ignoreUndefined(name) {
			return nil
		}
		o.obj.Undefined = append(o.obj.Undefined, Undefined{Name: name, Weak: bind == elf.STB_WEAK})
	default:
		switch name {
		case "init_module":
			o.obj.HasInit = true
		case "cleanup_module":
			o.obj.HasCleanup = true
		}
		if strings.HasPrefix(name, deviceTablePrefix) && elf.ST_TYPE(s.Info) == elf.STT_OBJECT {
			return o.addDeviceTable(i, name)
		}
	}
	return nil
}

// maxZeroTable bounds a device table in a NOBITS section (read as zeros).
const maxZeroTable = 1 << 24

// addDeviceTable records a device table symbol defined in a section with
// the bytes it covers. modpost reads a table in a section whose type has
// the SHT_NOBITS bit as zeros.
func (o *objReader) addDeviceTable(i int, name string) error {
	s := o.syms[i]
	idx := o.shndx[i]
	if s.Section >= elf.SHN_LORESERVE && s.Section != shnXindex || int(idx) >= len(o.f.Sections) {
		return nil
	}
	sec := o.f.Sections[idx]
	if s.Value > sec.Size || s.Size > sec.Size-s.Value {
		return fmt.Errorf("device table %s (offset %d, size %d) runs past the end of section %s (size %d)",
			name, s.Value, s.Size, sec.Name, sec.Size)
	}
	t := DeviceTable{Symbol: name, SymIndex: i}
	if sec.Type&elf.SHT_NOBITS != 0 {
		// NOBITS sizes are not bounded by the file: refuse absurd ones.
		if s.Size > maxZeroTable {
			return fmt.Errorf("device table %s in %s is %d bytes; more than %d is not believable", name, sec.Name, s.Size, maxZeroTable)
		}
		t.Data = make([]byte, s.Size)
	} else {
		data, err := sec.Data()
		if err != nil {
			return fmt.Errorf("reading %s for device table %s: %w", sec.Name, name, err)
		}
		t.Data = data[s.Value : s.Value+s.Size]
	}
	o.obj.DeviceTables = append(o.obj.DeviceTables, t)
	return nil
}

// ignoreUndefined lists the undefined symbols modpost does not look up
// (the PowerPC and SPARC special cases are left out).
func ignoreUndefined(name string) bool {
	return name == "__this_module" || name == "_GLOBAL_OFFSET_TABLE_" ||
		strings.HasPrefix(name, "__start_") || strings.HasPrefix(name, "__stop_")
}

// removeDot drops a compiler suffix such as ".0" or ".123.foo" from a symbol
// name: the name is cut at its first dot when digits follow that dot and
// are followed by another dot or the end.
func removeDot(s string) string {
	n := strings.IndexByte(s, '.')
	if n <= 0 {
		return s
	}
	m := 0
	for n+1+m < len(s) && s[n+1+m] >= '0' && s[n+1+m] <= '9' {
		m++
	}
	if m > 0 && (n+1+m == len(s) || s[n+1+m] == '.') {
		return s[:n]
	}
	return s
}

// isMappingSymbol reports ARM/AArch64 mapping symbols ($x, $d) and local
// labels, which modpost never uses as names.
func isMappingSymbol(name string) bool {
	return strings.HasPrefix(name, ".L") || strings.HasPrefix(name, "L0") || strings.HasPrefix(name, "$")
}

type label struct {
	addr  uint64
	index int
}

// readExports walks the relocations against .export_symbol. Each points at
// the exported symbol; the nearest label at or before the relocation names
// the entry (__export_symbol_<sym>), and the label's data holds the license
// string ("" or "GPL") followed by the namespace string.
func (o *objReader) readExports(rs *elf.Section) error {
	sec := o.f.Sections[o.exportIx]
	if sec.Type == elf.SHT_NOBITS {
		return fmt.Errorf("%s is NOBITS", exportSec)
	}
	data, err := sec.Data()
	if err != nil {
		return fmt.Errorf("reading %s: %w", exportSec, err)
	}
	var labels []label
	for i, s := range o.syms {
		if int(o.shndx[i]) == o.exportIx && s.Name != "" && !isMappingSymbol(s.Name) {
			labels = append(labels, label{s.Value, i})
		}
	}
	sort.Slice(labels, func(a, b int) bool {
		if labels[a].addr != labels[b].addr {
			return labels[a].addr < labels[b].addr
		}
		return labels[a].index < labels[b].index
	})
	if rs.Type == elf.SHT_REL {
		return fmt.Errorf("%s: REL relocations are not supported on %v", rs.Name, o.f.Machine)
	}
	relocs, err := rs.Data()
	if err != nil {
		return fmt.Errorf("reading %s: %w", rs.Name, err)
	}
	if len(relocs)%24 != 0 {
		return fmt.Errorf("%s: size %d is not a multiple of 24", rs.Name, len(relocs))
	}
	for off := 0; off < len(relocs); off += 24 {
		rOffset := binary.LittleEndian.Uint64(relocs[off:])
		rSym := int(binary.LittleEndian.Uint64(relocs[off+8:]) >> 32)
		if rSym >= len(o.syms) {
			return fmt.Errorf("%s: relocation at 0x%x uses symbol index %d, but the symbol table has %d entries", rs.Name, rOffset, rSym, len(o.syms))
		}
		if err := o.addExport(data, labels, rOffset, rSym); err != nil {
			return err
		}
	}
	return nil
}

func (o *objReader) addExport(data []byte, labels []label, rOffset uint64, rSym int) error {
	// The last label at or before the relocation; of several at one
	// address, the one with the lowest symbol index.
	i := sort.Search(len(labels), func(i int) bool { return labels[i].addr > rOffset })
	labelName := ""
	var labelAddr uint64
	if i > 0 {
		first := i - 1
		for first > 0 && labels[first-1].addr == labels[i-1].addr {
			first--
		}
		labelName = o.syms[labels[first].index].Name
		labelAddr = labels[first].addr
	}
	const prefix = "__export_symbol_"
	if !strings.HasPrefix(labelName, prefix) {
		o.problem("%s section contains strange symbol '%s'", exportSec, labelName)
		return nil
	}
	target := o.syms[rSym]
	if bind := elf.ST_BIND(target.Info); bind != elf.STB_GLOBAL && bind != elf.STB_WEAK {
		o.problem("local symbol '%s' was exported", labelName[len(prefix):])
		return nil
	}
	if labelName[len(prefix):] != target.Name {
		o.problem("%s section references '%s', but it does not seem to be an export symbol", exportSec, target.Name)
		return nil
	}
	license, rest, ok := cString(data, labelAddr)
	if !ok {
		return fmt.Errorf("%s: entry for %s runs past the end of the section", exportSec, target.Name)
	}
	var gpl bool
	switch license {
	case "GPL":
		gpl = true
	case "":
	default:
		o.problem("unknown license '%s' was specified for '%s'", license, target.Name)
		return nil
	}
	ns, _, ok := cString(data, rest)
	if !ok {
		return fmt.Errorf("%s: namespace of %s runs past the end of the section", exportSec, target.Name)
	}
	e := ObjExport{Name: target.Name, GPLOnly: gpl, Namespace: ns, IsFunc: elf.ST_TYPE(target.Info) == elf.STT_FUNC}
	if idx := int(o.shndx[rSym]); idx > 0 && idx < len(o.f.Sections) {
		e.Section = o.f.Sections[idx].Name
	}
	o.obj.Exports = append(o.obj.Exports, e)
	switch {
	case matchAny(e.Section, []string{".init.*"}):
		o.obj.Diags = append(o.obj.Diags, ObjDiag{Sep: ": ", Text: e.Name + ": EXPORT_SYMBOL used for init symbol. Remove __init or EXPORT_SYMBOL.\n"})
	case matchAny(e.Section, []string{".exit.*"}):
		o.obj.Diags = append(o.obj.Diags, ObjDiag{Sep: ": ", Text: e.Name + ": EXPORT_SYMBOL used for exit symbol. Remove __exit or EXPORT_SYMBOL.\n"})
	}
	return nil
}

// cString returns the NUL-terminated string at off and the offset after it.
func cString(data []byte, off uint64) (string, uint64, bool) {
	if off >= uint64(len(data)) {
		return "", 0, false
	}
	n := bytes.IndexByte(data[off:], 0)
	if n < 0 {
		return "", 0, false
	}
	return string(data[off : off+uint64(n)]), off + uint64(n) + 1, true
}

// splitModInfo returns the NUL-separated strings of a .modinfo section,
// skipping NUL padding.
func splitModInfo(data []byte) []string {
	var out []string
	for _, s := range bytes.Split(data, []byte{0}) {
		if len(s) > 0 {
			out = append(out, string(s))
		}
	}
	return out
}

// sectionWhiteList holds the sections modpost never checks (glob patterns).
var sectionWhiteList = []string{
	".comment*", ".debug*", ".zdebug*", ".GCC.command.line", ".mdebug*",
	".pdr", ".stab*", ".note*", ".got*", ".toc*", ".xt.prop", ".xt.lit",
	".arcextmap*", ".gnu.linkonce.arcext*", ".cmem*", ".fmt_slot*",
	".gnu.lto*", ".discard.*", ".llvm.call-graph-profile", "__llvm_covfun",
	"__llvm_covmap", ".klp.symid",
}

// matchAny reports whether name matches one of the shell glob patterns.
func matchAny(name string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}
