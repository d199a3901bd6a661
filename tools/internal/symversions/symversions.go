// Package symversions computes the symbol versions (CRCs) of an object's
// exports as Linux 7.2's kbuild does for CONFIG_MODVERSIONS with
// CONFIG_GENKSYMS (scripts/Makefile.build, gen_symversions): when the object
// exports symbols, the preprocessed source goes through the kernel's
// scripts/genksyms/genksyms, whose `#SYMVER <name> <crc>` lines kbuild
// appends to the object's .cmd file, where modpost reads them.
package symversions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	delf "debug/elf"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// exportPrefix starts the label that EXPORT_SYMBOL puts in .export_symbol.
const exportPrefix = "__export_symbol_"

// Exports lists the symbols the object at path exports, sorted by name as
// kbuild's `nm | sed` pipeline lists them.
func Exports(path string) ([]string, error) {
	f, err := elf.Open(path, elf.Want{Type: delf.ET_REL})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, delf.ErrNoSymbols) {
		return nil, &elf.Error{Path: path, Problem: "cannot read symbols", Err: err}
	}
	var names []string
	for _, s := range syms {
		if name, ok := strings.CutPrefix(s.Name, exportPrefix); ok && name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Options is one object's symbol versions.
type Options struct {
	Object   string   // the compiled object, read for its exports
	Source   string   // its .c or .S source
	CC       string   // the compiler; run with -E as kbuild's CPP
	CFlags   []string // the object's C flags (kbuild's c_flags, also for a .S source)
	Genksyms string   // the kernel's scripts/genksyms/genksyms
	Out      string   // the .cmd-style file to write
}

// Header is the first line of every file Write makes. modpost finds
// versions only on lines that follow a newline, as in kbuild's .cmd files.
const Header = "# symbol versions, from genksyms\n"

// Write writes o.Out: Header, then genksyms' #SYMVER lines when the object
// exports symbols (nothing more when it exports none).
func Write(o Options) error {
	exports, err := Exports(o.Object)
	if err != nil {
		return err
	}
	var versions []byte
	if len(exports) > 0 {
		if versions, err = genksyms(o, exports); err != nil {
			return err
		}
	}
	return atomicfile.WriteBytes(o.Out, append([]byte(Header), versions...))
}

// genksyms runs the preprocessor into genksyms. A .S source's exports are
// versioned through a C file that includes the prototypes of
// asm/asm-prototypes.h and names each export, as kbuild's getasmexports.
func genksyms(o Options, exports []string) ([]byte, error) {
	cpp := []string{"-E", "-D__GENKSYMS__"}
	cpp = append(cpp, o.CFlags...)
	var stdin io.Reader
	if strings.HasSuffix(o.Source, ".S") {
		var b strings.Builder
		b.WriteString("#include <linux/kernel.h>\n#include <linux/string.h>\n#include <asm/asm-prototypes.h>\n")
		for _, name := range exports {
			fmt.Fprintf(&b, "EXPORT_SYMBOL(%s);\n", name)
		}
		stdin = strings.NewReader(b.String())
		cpp = append(cpp, "-xc", "-")
	} else {
		cpp = append(cpp, o.Source)
	}
	pre := exec.Command(o.CC, cpp...)
	pre.Stdin = stdin
	var preErr bytes.Buffer
	pre.Stderr = &preErr
	source, err := pre.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: preprocessing for genksyms: %v\n%s", o.Source, err, preErr.Bytes())
	}
	gen := exec.Command(o.Genksyms)
	gen.Stdin = bytes.NewReader(source)
	var genErr bytes.Buffer
	gen.Stderr = &genErr
	out, err := gen.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: genksyms: %v\n%s", o.Source, err, genErr.Bytes())
	}
	if err := checkVersions(out, exports); err != nil {
		return nil, fmt.Errorf("%s: genksyms (%s): %w", o.Source, filepath.Base(o.Genksyms), err)
	}
	return out, nil
}

// checkVersions checks that genksyms gave only `#SYMVER name 0xCRC` lines,
// one for every export.
func checkVersions(out []byte, exports []string) error {
	want := map[string]bool{}
	for _, e := range exports {
		want[e] = true
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || fields[0] != "#SYMVER" || !strings.HasPrefix(fields[2], "0x") {
			return fmt.Errorf("unexpected output line %q", line)
		}
		delete(want, fields[1])
	}
	if len(want) > 0 {
		var missing []string
		for name := range want {
			missing = append(missing, name)
		}
		sort.Strings(missing)
		return fmt.Errorf("no version for %s", strings.Join(missing, ", "))
	}
	return nil
}
