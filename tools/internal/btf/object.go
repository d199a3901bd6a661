package btf

import "github.com/rules-fips140/rules_fips140/tools/internal/elf"

// Sections the kernel's vmlinux.lds reads embedded module BTF from, with the
// symbol prefix the seed series gives each object.
const (
	Section           = ".fips140_btf"
	NonFIPS140Section = ".nonfips140_btf"
	NonFIPS140Prefix  = "nonfips140_"
)

// ObjectName is the name the object's _binary_ symbols are made from:
// _binary_fips140_ko_btf_start, _end and _size.
const ObjectName = "fips140.ko.btf"

// Object describes the relocatable object that carries a module's BTF into
// vmlinux: the blob in section (Section, or NonFIPS140Section with
// NonFIPS140Prefix), read-only and 8-aligned, as vmlinux.lds aligns it.
// The object defines only the _binary_ symbols; the linker script defines
// __start_fips140_btf and __stop_fips140_btf around KEEP(*(section)).
func Object(arch elf.Arch, section, prefix string) elf.Blob {
	return elf.Blob{
		Arch:    arch,
		Name:    ObjectName,
		Prefix:  prefix,
		Section: section,
		Flags:   elf.ReadonlyFlags,
		Align:   8,
	}
}
