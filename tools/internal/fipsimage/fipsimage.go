// Package fipsimage reads the FIPS 140 module, its digest and its BTF where
// the seed series embeds them in vmlinux, and checks them.
//
// Each embedded blob lives in its own output section, bounded by a pair of
// symbols that the linker script defines (see Regions).
package fipsimage

import (
	"bytes"
	delf "debug/elf"
	"fmt"
	"io"

	"github.com/rules-fips140/rules_fips140/tools/internal/btf"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/modinfo"
)

// RegionKind names one embedded blob and where the linker script puts it.
type RegionKind struct {
	Name    string // e.g. "fips140.ko"
	Section string // the output section in vmlinux
	Start   string // symbol at the blob's first byte
	End     string // symbol just past its last byte
}

// Regions lists the blobs the seed series embeds, in a fixed order.
func Regions() []RegionKind {
	return []RegionKind{
		{"fips140.ko", ".fips140_embedded", "_binary_fips140_ko_start", "_binary_fips140_ko_end"},
		{"fips140.hmac", ".fips140_digest", "_binary_fips140_hmac_start", "_binary_fips140_hmac_end"},
		{"fips140.btf", ".fips140_btf", "__start_fips140_btf", "__stop_fips140_btf"},
		{"nonfips140.ko", ".nonfips140_embedded", "_binary_nonfips140_ko_start", "_binary_nonfips140_ko_end"},
		{"nonfips140.btf", ".nonfips140_btf", "__start_nonfips140_btf", "__stop_nonfips140_btf"},
	}
}

// Region is one blob found in an image.
type Region struct {
	RegionKind
	SectionAddr uint64 `json:"section_addr"`
	SectionSize uint64 `json:"section_size"`
	StartAddr   uint64 `json:"start_addr"`
	EndAddr     uint64 `json:"end_addr"`
	// OnEdges is true when the bounding symbols sit exactly on the section's
	// first byte and one past its last.
	OnEdges bool   `json:"on_edges"`
	Data    []byte `json:"-"`
}

// Size is the blob's size in bytes.
func (r Region) Size() uint64 { return r.EndAddr - r.StartAddr }

// Image is a vmlinux (or a relocatable standing in for one) and its blobs.
type Image struct {
	Path    string
	Arch    elf.Arch
	Type    delf.Type
	Regions []Region // only non-empty ones, in Regions() order
	// BTF is vmlinux's own .BTF section, which the module BTF is split
	// on, or nil.
	BTF []byte
}

// Region returns the region called name.
func (img *Image) Region(name string) (Region, bool) {
	for _, r := range img.Regions {
		if r.Name == name {
			return r, true
		}
	}
	return Region{}, false
}

// Open reads the embedded blobs of the ELF file at path.
func Open(path string) (*Image, error) {
	f, err := elf.Open(path, elf.Want{})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(path, f)
}

// Read reads the embedded blobs of the size bytes of r, an ELF file that
// messages call path.
func Read(path string, r io.ReaderAt, size int64) (*Image, error) {
	f, err := elf.NewFile(path, r, size, elf.Want{})
	if err != nil {
		return nil, err
	}
	return read(path, f)
}

func read(path string, f *elf.File) (*Image, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the symbol table: %w", path, err)
	}
	byName := make(map[string]delf.Symbol, len(syms))
	for _, s := range syms {
		if s.Name != "" && s.Section != delf.SHN_UNDEF {
			byName[s.Name] = s
		}
	}
	img := &Image{Path: path, Arch: f.Arch, Type: f.Type}
	if sec := f.Section(".BTF"); sec != nil && sec.Type != delf.SHT_NOBITS {
		if img.BTF, err = sec.Data(); err != nil {
			return nil, fmt.Errorf("%s: reading section .BTF: %w", path, err)
		}
	}
	for _, kind := range Regions() {
		sec := f.Section(kind.Section)
		if sec == nil {
			continue
		}
		r, err := readRegion(path, f, sec, kind, byName)
		if err != nil {
			return nil, err
		}
		// A linker script that places a region unconditionally leaves an
		// empty section when nothing is embedded there.
		if r.Size() > 0 {
			img.Regions = append(img.Regions, r)
		}
	}
	return img, nil
}

func readRegion(path string, f *elf.File, sec *delf.Section, kind RegionKind, syms map[string]delf.Symbol) (Region, error) {
	r := Region{RegionKind: kind, SectionAddr: sec.Addr, SectionSize: sec.Size}
	start, ok := syms[kind.Start]
	if !ok {
		return r, fmt.Errorf("%s: section %s has no %s symbol", path, kind.Section, kind.Start)
	}
	end, ok := syms[kind.End]
	if !ok {
		return r, fmt.Errorf("%s: section %s has no %s symbol", path, kind.Section, kind.End)
	}
	// In a relocatable file a symbol's value is an offset in its section.
	r.StartAddr, r.EndAddr = start.Value, end.Value
	if f.Type == delf.ET_REL {
		r.StartAddr += sec.Addr
		r.EndAddr += sec.Addr
	}
	if r.StartAddr < sec.Addr || r.EndAddr < r.StartAddr || r.EndAddr > sec.Addr+sec.Size {
		return r, fmt.Errorf("%s: %s [%#x, %#x) does not lie within section %s [%#x, %#x)",
			path, kind.Name, r.StartAddr, r.EndAddr, kind.Section, sec.Addr, sec.Addr+sec.Size)
	}
	r.OnEdges = r.StartAddr == sec.Addr && r.EndAddr == sec.Addr+sec.Size
	if sec.Type == delf.SHT_NOBITS {
		return r, fmt.Errorf("%s: section %s holds no bytes (NOBITS)", path, kind.Section)
	}
	data, err := sec.Data()
	if err != nil {
		return r, fmt.Errorf("%s: reading section %s: %w", path, kind.Section, err)
	}
	r.Data = data[r.StartAddr-sec.Addr : r.EndAddr-sec.Addr]
	return r, nil
}

// Check is the outcome of one verification step.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Verify checks the image's blobs: the module is an ET_REL module named
// fips140 for the image's architecture, the digest is HMAC-SHA256 of the
// module under key, and every blob sits exactly between its symbols. The
// nonfips140 module, when present, gets the same module checks. Embedded
// module BTF must be valid split BTF on vmlinux's own .BTF.
func Verify(img *Image, key integrity.Key) []Check {
	var checks []Check
	add := func(name string, ok bool, format string, args ...any) {
		checks = append(checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
	}
	for _, r := range img.Regions {
		add(r.Name+" bounds", r.OnEdges, "%s..%s = [%#x, %#x) in %s [%#x, %#x)",
			r.Start, r.End, r.StartAddr, r.EndAddr, r.Section, r.SectionAddr, r.SectionAddr+r.SectionSize)
	}
	module, ok := img.Region("fips140.ko")
	if !ok {
		add("fips140.ko present", false, "%s: no %s section, or an empty one", img.Path, Regions()[0].Section)
		return checks
	}
	checks = append(checks, checkModule(img, module)...)
	if nonfips, ok := img.Region("nonfips140.ko"); ok {
		checks = append(checks, checkModule(img, nonfips)...)
	}
	for _, name := range []string{"fips140.btf", "nonfips140.btf"} {
		if r, ok := img.Region(name); ok {
			checks = append(checks, checkBTF(img, r))
		}
	}
	digest, ok := img.Region("fips140.hmac")
	switch {
	case !ok:
		add("fips140.hmac present", false, "%s: no %s section, or an empty one", img.Path, Regions()[1].Section)
	case len(digest.Data) != integrity.Size:
		add("fips140.hmac size", false, "%d bytes, want %d", len(digest.Data), integrity.Size)
	default:
		got := integrity.SumBytes(module.Data, key.Bytes)
		add("fips140.hmac matches", bytes.Equal(got, digest.Data),
			"HMAC-SHA256 of the embedded module with the key from %s is %x; embedded digest is %x", key.Source, got, digest.Data)
	}
	return checks
}

func checkModule(img *Image, r Region) []Check {
	name := r.Name
	mod, err := elf.NewFile(img.Path+":"+name, bytes.NewReader(r.Data), int64(len(r.Data)),
		elf.Want{Arch: img.Arch, Type: delf.ET_REL})
	if err != nil {
		return []Check{{Name: name + " is an ET_REL module for " + img.Arch.String(), Detail: err.Error()}}
	}
	checks := []Check{{Name: name + " is an ET_REL module for " + img.Arch.String(), OK: true,
		Detail: fmt.Sprintf("%d bytes, machine %v", len(r.Data), mod.Machine)}}
	sec := mod.Section(".modinfo")
	if sec == nil {
		return append(checks, Check{Name: name + " modinfo name", Detail: "no .modinfo section"})
	}
	data, err := sec.Data()
	if err != nil {
		return append(checks, Check{Name: name + " modinfo name", Detail: err.Error()})
	}
	info, err := modinfo.Parse(img.Path+":"+name, data)
	if err != nil {
		return append(checks, Check{Name: name + " modinfo name", Detail: err.Error()})
	}
	modName, _ := info.Get("name")
	return append(checks, Check{Name: name + " modinfo name", OK: modName == "fips140",
		Detail: fmt.Sprintf("name=%q, want \"fips140\"", modName)})
}

// checkBTF checks that a module's embedded BTF is split BTF on vmlinux's
// own .BTF, which is how the kernel reads it (btf_data, no .BTF.base).
func checkBTF(img *Image, r Region) Check {
	name := r.Name + " is split BTF on vmlinux's .BTF"
	if img.BTF == nil {
		return Check{Name: name, Detail: img.Path + ": no .BTF section to split the module BTF on"}
	}
	base, err := btf.Load(img.Path+" .BTF", img.BTF, nil)
	if err != nil {
		return Check{Name: name, Detail: err.Error()}
	}
	t, err := btf.Load(img.Path+":"+r.Name, r.Data, base)
	if err != nil {
		return Check{Name: name, Detail: err.Error()}
	}
	return Check{Name: name, OK: true, Detail: fmt.Sprintf("%d bytes, %d types (ids %d..%d) on %d base types", t.Size, t.Count(), t.First, t.Last, base.Count())}
}
