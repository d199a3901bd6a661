// Package elf reads and writes the ELF64 little-endian relocatable objects
// the project handles, for x86_64 (EM_X86_64) and arm64 (EM_AARCH64).
//
// Reading wraps debug/elf after checking the header and the file extents
// itself, so that every error names the file and the problem. Writing makes
// the one kind of object the build needs: a blob in a named section with
// `ld -r -b binary` style symbols (see Blob).
//
// The package is named after its noun like the other tools/internal
// packages; callers that also need debug/elf import that one as delf.
package elf

import (
	delf "debug/elf"
	"fmt"
)

// Arch is a target architecture, named as the kernel's ARCH names it.
type Arch int

// The architectures the project builds for.
const (
	X86_64 Arch = iota + 1
	ARM64
)

// Arches lists the supported architectures in a fixed order.
func Arches() []Arch { return []Arch{X86_64, ARM64} }

// ParseArch accepts a kernel ARCH name: "x86_64" or "arm64".
func ParseArch(s string) (Arch, error) {
	for _, a := range Arches() {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown architecture %q (want x86_64 or arm64)", s)
}

func (a Arch) String() string {
	switch a {
	case X86_64:
		return "x86_64"
	case ARM64:
		return "arm64"
	}
	return fmt.Sprintf("Arch(%d)", int(a))
}

// Machine is the ELF e_machine value for a.
func (a Arch) Machine() delf.Machine {
	switch a {
	case X86_64:
		return delf.EM_X86_64
	case ARM64:
		return delf.EM_AARCH64
	}
	return delf.EM_NONE
}

// archOf maps an ELF machine to a supported architecture.
func archOf(m delf.Machine) (Arch, bool) {
	for _, a := range Arches() {
		if a.Machine() == m {
			return a, true
		}
	}
	return 0, false
}
