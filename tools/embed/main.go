// Command embed writes an ELF relocatable object that holds a file's bytes
// in one section, the object that `ld -r -b binary FILE` followed by
// `objcopy --rename-section .data=SECTION[,FLAGS]`, `--set-section-alignment`
// and `--prefix-symbols` make, byte for byte (binutils 2.47):
//
//	embed -arch x86_64|arm64 -in FILE -out OBJ [-name NAME] [-section SECTION]
//	      [-flags FLAGS | -readonly] [-align N] [-prefix PREFIX]
//	      [-check-elf | -check-module NAME]
//
// The symbols are PREFIX_binary_N_start, _end and _size, where N is NAME
// (by default FILE as given) with every byte that is not an ASCII letter or
// digit replaced by '_'. Arguments may come from @paramfiles.
package main

import (
	delf "debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/modinfo"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

type options struct {
	in, out  string
	blob     elf.Blob
	checkELF bool // the input must be an ET_REL object for blob.Arch
	// checkModule, when set, is the module name the input's .modinfo must
	// give (it implies checkELF).
	checkModule string
}

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "embed: %v\n", err)
		os.Exit(2)
	}
	opts, err := parseArgs(args, os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stderr))
}

// parseArgs reads the flags into options. It reports errors to stderr.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	arch := fs.String("arch", "", "target architecture: x86_64 or arm64")
	fs.StringVar(&o.in, "in", "", "the file to embed")
	fs.StringVar(&o.out, "out", "", "the object to write")
	fs.StringVar(&o.blob.Name, "name", "", "the name the symbols are made from, as `ld -b binary` makes them from a path (default: -in as given)")
	fs.StringVar(&o.blob.Section, "section", ".data", "the section that holds the bytes")
	fs.StringVar(&o.blob.Flags, "flags", "", "objcopy section flags, e.g. "+elf.ReadonlyFlags+" (default: writable data, as ld makes .data)")
	readonly := fs.Bool("readonly", false, "shorthand for -flags "+elf.ReadonlyFlags)
	fs.Uint64Var(&o.blob.Align, "align", 1, "the section's alignment, a power of two")
	fs.StringVar(&o.blob.Prefix, "prefix", "", "prepended to each symbol name, as objcopy --prefix-symbols does")
	fs.BoolVar(&o.checkELF, "check-elf", false, "require the input to be an ELF relocatable object (a .ko) for -arch")
	fs.StringVar(&o.checkModule, "check-module", "", "require the input to be a module (ET_REL for -arch) whose .modinfo names it `NAME`")

	fail := func(format string, args ...any) (options, error) {
		err := fmt.Errorf(format, args...)
		fmt.Fprintf(stderr, "embed: %v\n", err)
		return options{}, err
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments: %q", fs.Args())
	}
	if o.in == "" || o.out == "" || *arch == "" {
		return fail("-arch, -in and -out are required")
	}
	var err error
	if o.blob.Arch, err = elf.ParseArch(*arch); err != nil {
		return fail("-arch: %v", err)
	}
	if *readonly {
		if o.blob.Flags != "" {
			return fail("-readonly and -flags cannot be used together")
		}
		o.blob.Flags = elf.ReadonlyFlags
	}
	if o.blob.Name == "" {
		o.blob.Name = o.in
	}
	if err := o.blob.Check(); err != nil {
		return fail("%v", err)
	}
	return o, nil
}

func run(o options, stderr io.Writer) int {
	if err := embed(o); err != nil {
		fmt.Fprintf(stderr, "embed: %v\n", err)
		return 1
	}
	return 0
}

func embed(o options) error {
	in, err := os.Open(o.in)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", o.in)
	}
	if o.checkELF || o.checkModule != "" {
		f, err := elf.NewFile(o.in, in, st.Size(), elf.Want{Arch: o.blob.Arch, Type: delf.ET_REL})
		if err != nil {
			return err
		}
		if o.checkModule != "" {
			if err := checkModuleName(o.in, f, o.checkModule); err != nil {
				return err
			}
		}
	}
	// NewFile reads with ReadAt, so in is still at offset 0.
	return atomicfile.Write(o.out, func(w *os.File) error {
		err := o.blob.Write(w, in, st.Size())
		var pe *os.PathError
		if err != nil && !errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", o.in, err)
		}
		return err
	})
}

// checkModuleName checks that the module's .modinfo says name=want.
func checkModuleName(path string, f *elf.File, want string) error {
	sec := f.Section(".modinfo")
	if sec == nil {
		return fmt.Errorf("%s: not a kernel module: no .modinfo section", path)
	}
	data, err := sec.Data()
	if err != nil {
		return fmt.Errorf("%s: reading .modinfo: %w", path, err)
	}
	info, err := modinfo.Parse(path, data)
	if err != nil {
		return err
	}
	name, ok := info.Get("name")
	switch {
	case !ok:
		return fmt.Errorf("%s: .modinfo has no name=, want name=%s", path, want)
	case name != want:
		return fmt.Errorf("%s: the module is named %q, want %q", path, name, want)
	}
	return nil
}
