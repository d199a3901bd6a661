package link

import (
	delf "debug/elf"
	"errors"
	"fmt"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// The symbols module_init and module_exit define in a module object.
const (
	initModule    = "init_module"
	cleanupModule = "cleanup_module"
	initPrefix    = "__fips140_init_"
	exitPrefix    = "__fips140_exit_"
)

// InitSymbol and ExitSymbol are what a part's init_module and
// cleanup_module are renamed to.
func InitSymbol(part string) string { return initPrefix + part }
func ExitSymbol(part string) string { return exitPrefix + part }

// PartName makes a part name from an object's file name: the name without
// its directory and extension, every byte that is not an ASCII letter or
// digit replaced by '_' (as kbuild makes KBUILD_MODNAME from a file name).
func PartName(path string) string {
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return elf.MangleName(base)
}

// CheckPartName checks that a part name, behind the __fips140_init_ and
// __fips140_exit_ prefixes, makes C identifiers: letters, digits and '_'.
// It may start with a digit, as upstream's 842.o does.
func CheckPartName(part string) error {
	if part == "" {
		return fmt.Errorf("empty part name")
	}
	if err := checkIdent("part name", "_"+part); err != nil {
		return fmt.Errorf("part name %q has a byte other than a letter, a digit or '_'", part)
	}
	return nil
}

func checkIdent(what, s string) error {
	if s == "" {
		return fmt.Errorf("empty %s", what)
	}
	for i, c := range []byte(s) {
		ok := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9'
		if !ok {
			return fmt.Errorf("%s %q is not a C identifier", what, s)
		}
	}
	return nil
}

type symState int

const (
	symAbsent symState = iota
	symUndefined
	symDefined
)

// moduleSymbols reads the state of every named global or weak symbol of
// an ET_REL object (for arch, unless it is 0) and returns its architecture.
func moduleSymbols(path string, arch elf.Arch) (map[string]symState, elf.Arch, error) {
	f, err := elf.Open(path, elf.Want{Arch: arch, Type: delf.ET_REL})
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, delf.ErrNoSymbols) {
		return nil, 0, &elf.Error{Path: path, Problem: "cannot read symbols", Err: err}
	}
	m := map[string]symState{}
	for _, s := range syms {
		b := delf.ST_BIND(s.Info)
		if s.Name == "" || b != delf.STB_GLOBAL && b != delf.STB_WEAK {
			continue
		}
		if s.Section == delf.SHN_UNDEF {
			if m[s.Name] == symAbsent {
				m[s.Name] = symUndefined
			}
		} else {
			m[s.Name] = symDefined
		}
	}
	return m, f.Arch, nil
}
