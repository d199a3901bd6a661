// Command embed writes an ELF relocatable object that holds a file's bytes
// in one section, the object that `ld -r -b binary FILE` followed by
// `objcopy --rename-section .data=SECTION[,FLAGS]`, `--set-section-alignment`
// and `--prefix-symbols` make, byte for byte (binutils 2.47):
//
//	embed -arch x86_64|arm64 -in FILE -out OBJ [-name NAME] [-section SECTION]
//	      [-flags FLAGS | -readonly] [-align N] [-prefix PREFIX] [-check-elf]
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
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

type options struct {
	in, out  string
	blob     elf.Blob
	checkELF bool // the input must be an ET_REL object for blob.Arch
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
	if o.checkELF {
		if _, err := elf.NewFile(o.in, in, st.Size(), elf.Want{Arch: o.blob.Arch, Type: delf.ET_REL}); err != nil {
			return err
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
