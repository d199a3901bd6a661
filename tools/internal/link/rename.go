package link

import (
	delf "debug/elf"
	"errors"
	"fmt"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
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

// CheckPartName checks that a part name makes a C identifier.
func CheckPartName(part string) error { return checkIdent("part name", part) }

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

// Rename renames one part's init_module and cleanup_module to
// InitSymbol(Part) and ExitSymbol(Part), so that several unmodified
// upstream module sources can be linked into one module.
//
// It runs the toolchain's objcopy --redefine-sym rather than editing the
// symbol table itself: the new names are longer, so .strtab and every
// offset after it would move, and objcopy already rewrites objects for
// both architectures in the kernel build (gen-btf.sh). Relocations refer to
// symbols by index, so every reference follows the rename. Rename checks
// the input before and the output after, so a wrong objcopy (one that does
// not know the architecture) cannot pass silently.
type Rename struct {
	Objcopy Tool
	Part    string
	In, Out string
}

// Args is the objcopy command line writing out.
func (r Rename) Args(out string) []string {
	return []string{
		"--redefine-sym", initModule + "=" + InitSymbol(r.Part),
		"--redefine-sym", cleanupModule + "=" + ExitSymbol(r.Part),
		r.In, out,
	}
}

// Run checks the input, runs objcopy and checks its output. It returns
// objcopy's warnings.
func (r Rename) Run() (warnings string, err error) {
	if err := CheckPartName(r.Part); err != nil {
		return "", err
	}
	before, arch, err := moduleSymbols(r.In, 0)
	if err != nil {
		return "", err
	}
	for _, name := range []string{initModule, cleanupModule} {
		if before[name] == symUndefined {
			return "", &elf.Error{Path: r.In, Problem: fmt.Sprintf("refers to %s but does not define it", name)}
		}
	}
	for _, name := range []string{InitSymbol(r.Part), ExitSymbol(r.Part)} {
		if before[name] != symAbsent {
			return "", &elf.Error{Path: r.In, Problem: fmt.Sprintf("already has a symbol %s", name)}
		}
	}
	err = atomicfile.Produce(r.Out, func(tmp string) error {
		warnings, err = r.Objcopy.Run(r.Args(tmp))
		if err != nil {
			return err
		}
		after, _, err := moduleSymbols(tmp, arch)
		if err != nil {
			return fmt.Errorf("objcopy output: %w", err)
		}
		for from, to := range map[string]string{initModule: InitSymbol(r.Part), cleanupModule: ExitSymbol(r.Part)} {
			if after[from] != symAbsent || after[to] != before[from] {
				return fmt.Errorf("%s: objcopy did not rename %s to %s in %s", r.In, from, to, r.Out)
			}
		}
		return nil
	})
	return warnings, err
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
