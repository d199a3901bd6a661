package link

import (
	delf "debug/elf"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// Partial is the partial link of fips140.o from the crypto archive(s).
type Partial struct {
	LD     Tool
	Inputs []string // archives (or objects), in link order
	Out    string
	// Composite links the parts of a composite module object
	// (`name-y := a.o b.o`) as kbuild does: a plain `ld -r`, with no
	// initcall script and no --whole-archive.
	Composite bool
}

// Args is the linker command line, with script the initcall script's path
// and out the output path.
func (p Partial) Args(arch elf.Arch, script, out string) []string {
	args := []string{"-r"}
	args = append(args, p.LD.archFlags(arch)...)
	if p.Composite {
		args = append(args, "--build-id=none", "-o", out)
		return append(args, p.Inputs...)
	}
	args = append(args, "--build-id=none", "-T", script, "--whole-archive")
	args = append(args, p.Inputs...)
	return append(args, "--no-whole-archive", "-o", out)
}

// argsWithoutScript is Args without the initcall script, for inputs that
// have no initcall sections.
func (p Partial) argsWithoutScript(arch elf.Arch, out string) []string {
	args := []string{"-r"}
	args = append(args, p.LD.archFlags(arch)...)
	args = append(args, "--build-id=none", "--whole-archive")
	args = append(args, p.Inputs...)
	return append(args, "--no-whole-archive", "-o", out)
}

// Link checks the inputs and links. It returns the linker's warnings.
// Without any .fips_initcallN input section it links without the initcall
// script, which would otherwise leave an empty, non-allocated .init.data
// that modpost warns about.
func (p Partial) Link() (warnings string, err error) {
	arch, initcalls, err := scan(p.Inputs)
	if err != nil {
		return "", err
	}
	if !p.Composite && !initcalls {
		err = atomicfile.Produce(p.Out, func(tmp string) error {
			warnings, err = p.LD.Run(p.argsWithoutScript(arch, tmp))
			return err
		})
		return warnings, err
	}
	if p.Composite {
		err = atomicfile.Produce(p.Out, func(tmp string) error {
			warnings, err = p.LD.Run(p.Args(arch, "", tmp))
			return err
		})
		return warnings, err
	}
	err = withScript(p.Out, "initcalls", InitcallScript(), func(script string) error {
		return atomicfile.Produce(p.Out, func(tmp string) error {
			warnings, err = p.LD.Run(p.Args(arch, script, tmp))
			return err
		})
	})
	return warnings, err
}

// Module is the final link of a .ko, as scripts/Makefile.modfinal does it.
type Module struct {
	LD        Tool
	ModuleLDS string   // the kernel's module.lds
	Objects   []string // X.o X.mod.o .module-common.o
	Out       string
}

// Args is the linker command line writing out.
func (m Module) Args(arch elf.Arch, out string) []string {
	args := []string{"-r"}
	args = append(args, m.LD.archFlags(arch)...)
	args = append(args, "--build-id=sha1", "-T", m.ModuleLDS, "-o", out)
	return append(args, m.Objects...)
}

// Link checks the inputs and links. It returns the linker's warnings.
func (m Module) Link() (warnings string, err error) {
	if err := readable(m.ModuleLDS); err != nil {
		return "", err
	}
	arch, err := objects(m.Objects)
	if err != nil {
		return "", err
	}
	err = atomicfile.Produce(m.Out, func(tmp string) error {
		warnings, err = m.LD.Run(m.Args(arch, tmp))
		return err
	})
	return warnings, err
}

// Vmlinux is the final link of the kernel image with the embedded blobs.
type Vmlinux struct {
	LD          Tool
	KernelLDS   string            // the kernel's vmlinux.lds; "" uses the linker's default script
	Relocatable bool              // ld -r
	LDFlags     []string          // more flags, e.g. the kernel's LDFLAGS_vmlinux
	Inputs      []string          // vmlinux.o (or vmlinux.a and friends), in link order
	Embedded    map[string]string // Embedded.Flag -> the object holding that blob
	BTF, Dual   bool              // place the BTF blobs; the nonfips140 blobs (KindsFor)
	Insert      string            // "before:SECTION" or "after:SECTION"; "" for the arch's default
	Out         string
}

// Placement is where v's blobs go, for arch.
func (v Vmlinux) Placement(arch elf.Arch) (Placement, error) {
	p := DefaultPlacement(arch, KindsFor(v.BTF, v.Dual))
	if v.Insert != "" {
		if err := p.ParseInsert(v.Insert); err != nil {
			return Placement{}, err
		}
	}
	return p, nil
}

// Args is the linker command line, with script the path of the one script
// that places the blobs (Script).
func (v Vmlinux) Args(arch elf.Arch, kinds []Embedded, script, out string) []string {
	args := v.LD.archFlags(arch)
	args = append(args, "--build-id=sha1")
	if v.Relocatable {
		args = append(args, "-r")
	}
	args = append(args, v.LDFlags...)
	args = append(args, "-T", script)
	args = append(args, "-o", out)
	args = append(args, v.Inputs...)
	for _, k := range kinds {
		if obj := v.Embedded[k.Flag]; obj != "" {
			args = append(args, obj)
		}
	}
	return args
}

// Script is the linker script of the link. With KernelLDS, it is that
// script with the blobs' sections written in before the anchor
// (InsertBefore; SeedAnchors unless Insert names one), so GNU ld and ld.lld
// place them alike. Without it, it is p's INSERT script for the linker's
// default one, where the two linkers differ (docs/ldwrap.md).
func (v Vmlinux) Script(arch elf.Arch, p Placement) (string, error) {
	if v.KernelLDS == "" {
		return p.Script(), nil
	}
	if !p.Before {
		return "", fmt.Errorf("-insert after:%s: with -kernel-lds %s the blobs are written in before one of its sections; use before:SECTION", p.Anchor, v.KernelLDS)
	}
	lds, err := os.ReadFile(v.KernelLDS)
	if err != nil {
		return "", err
	}
	anchors := p.Anchor
	if v.Insert == "" {
		anchors = SeedAnchors(arch)
	}
	placed, err := InsertBefore(v.KernelLDS, lds, anchors, p.Kinds)
	return string(placed), err
}

// Link checks the inputs and the embedded objects and links. It returns the
// linker's warnings.
func (v Vmlinux) Link() (warnings string, err error) {
	if v.KernelLDS != "" {
		if err := readable(v.KernelLDS); err != nil {
			return "", err
		}
	}
	for flag := range v.Embedded {
		if !slices.ContainsFunc(EmbeddedKinds(), func(k Embedded) bool { return k.Flag == flag }) {
			return "", fmt.Errorf("unknown embedded blob kind %q", flag)
		}
	}
	var all []string
	all = append(all, v.Inputs...)
	for _, k := range EmbeddedKinds() {
		if obj := v.Embedded[k.Flag]; obj != "" {
			all = append(all, obj)
		}
	}
	arch, err := objects(all)
	if err != nil {
		return "", err
	}
	p, err := v.Placement(arch)
	if err != nil {
		return "", err
	}
	if err := checkEmbedded(v.Embedded, p.Kinds); err != nil {
		return "", err
	}
	script, err := v.Script(arch, p)
	if err != nil {
		return "", err
	}
	err = withScript(v.Out, "placement", script, func(script string) error {
		return atomicfile.Produce(v.Out, func(tmp string) error {
			warnings, err = v.LD.Run(v.Args(arch, p.Kinds, script, tmp))
			var te *ToolError
			if v.KernelLDS != "" && errors.As(err, &te) {
				// The written-in script keeps the kernel script's line
				// numbers: name the file the user has.
				te.Stderr = strings.ReplaceAll(te.Stderr, script, v.KernelLDS)
			}
			return err
		})
	})
	return warnings, err
}

// checkEmbedded checks that each embedded object holds its blob in its
// input section and nothing else that the placement script would have to
// place, that it defines none of the script's symbols, and that every
// embedded object has a kind in the placement, and that every placed blob
// but BTF has its object.
func checkEmbedded(objs map[string]string, kinds []Embedded) error {
	scriptSyms := map[string]bool{}
	for _, k := range kinds {
		scriptSyms[k.Start], scriptSyms[k.End] = true, true
	}
	for _, k := range EmbeddedKinds() {
		path := objs[k.Flag]
		if path == "" {
			// A BTF section may be placed empty: the first of the
			// seed's two vmlinux links has no module BTF yet.
			if slices.Contains(kinds, k) && !strings.HasSuffix(k.Flag, "-btf") {
				return fmt.Errorf("no -%s object: the placement has a %s section", k.Flag, k.OutputSection)
			}
			continue
		}
		if !slices.Contains(kinds, k) {
			return fmt.Errorf("%s: given as -%s, but the placement has no %s section", path, k.Flag, k.OutputSection)
		}
		f, err := elf.Open(path, elf.Want{Type: delf.ET_REL})
		if err != nil {
			return err
		}
		err = checkBlobObject(f, k, scriptSyms)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func checkBlobObject(f *elf.File, k Embedded, scriptSyms map[string]bool) error {
	found := false
	for _, s := range f.Sections {
		if s.Flags&delf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		if s.Name != k.InputSection {
			return &elf.Error{Path: f.Path, Problem: fmt.Sprintf("has section %s; an -%s object holds only %s (objcopy --rename-section .data=%s, or embed -section %s)",
				s.Name, k.Flag, k.InputSection, k.InputSection, k.InputSection)}
		}
		found = true
	}
	if !found {
		return &elf.Error{Path: f.Path, Problem: fmt.Sprintf("no %s section with contents", k.InputSection)}
	}
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, delf.ErrNoSymbols) {
		return &elf.Error{Path: f.Path, Problem: "cannot read symbols", Err: err}
	}
	for _, s := range syms {
		if s.Section != delf.SHN_UNDEF && scriptSyms[s.Name] {
			return &elf.Error{Path: f.Path, Problem: fmt.Sprintf("defines %s, which the placement script defines; embed the blob under another name (or symbol prefix)", s.Name)}
		}
	}
	return nil
}

// readable checks that path is a readable regular file.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &elf.Error{Path: path, Problem: "cannot open", Err: unwrapPath(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &elf.Error{Path: path, Problem: "cannot stat", Err: unwrapPath(err)}
	}
	if !st.Mode().IsRegular() {
		return &elf.Error{Path: path, Problem: fmt.Sprintf("not a regular file (%v)", st.Mode().Type())}
	}
	return nil
}

// KindsFor returns the embedded kinds placed for the given options: the
// fips140 module and digest always, its BTF with btf, the nonfips140 module
// with dual, and its BTF with both.
func KindsFor(btf, dual bool) []Embedded {
	var ks []Embedded
	for _, k := range EmbeddedKinds() {
		isBTF := strings.HasSuffix(k.Flag, "-btf")
		isNon := strings.HasPrefix(k.Flag, "nonfips140-")
		if (isBTF && !btf) || (isNon && !dual) {
			continue
		}
		ks = append(ks, k)
	}
	return ks
}
