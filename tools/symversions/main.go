// Command symversions writes the symbol versions of one object's exports,
// as kbuild's gen_symversions does for CONFIG_MODVERSIONS (genksyms), into
// a .cmd-style file that modpost -m reads.
//
//	symversions -object x.o -source x.c -cc CC -genksyms GENKSYMS -o .x.o.cmd -- C_FLAGS...
//
// Arguments may come from @paramfiles.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/symversions"
)

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "symversions: %v\n", err)
		os.Exit(2)
	}
	opts, err := parseArgs(args, os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "symversions: %v\n", err)
		}
		os.Exit(2)
	}
	if err := symversions.Write(opts); err != nil {
		fmt.Fprintf(os.Stderr, "symversions: %v\n", err)
		os.Exit(1)
	}
}

func parseArgs(args []string, stderr io.Writer) (symversions.Options, error) {
	var o symversions.Options
	fs := flag.NewFlagSet("symversions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Object, "object", "", "the compiled object")
	fs.StringVar(&o.Source, "source", "", "its .c or .S source")
	fs.StringVar(&o.CC, "cc", "", "the compiler, run with -E (never looked up on PATH)")
	fs.StringVar(&o.Genksyms, "genksyms", "", "the kernel's scripts/genksyms/genksyms")
	fs.StringVar(&o.Out, "o", "", "the file to write")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.CFlags = fs.Args()
	for _, req := range []struct{ flag, value string }{
		{"-object", o.Object}, {"-source", o.Source}, {"-cc", o.CC}, {"-genksyms", o.Genksyms}, {"-o", o.Out},
	} {
		if req.value == "" {
			return o, fmt.Errorf("%s is required", req.flag)
		}
	}
	return o, nil
}
