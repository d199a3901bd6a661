// Command provenance writes the provenance record of a vmlinux with
// fips140.ko embedded: an in-toto Statement with an SLSA provenance v1
// predicate, in JSON with sorted keys.
//
//	provenance -o OUT [-param name=value]... ROLE PATH [ROLE PATH]...
//
// Each ROLE PATH pair names one file and what it is: subject:<role>,
// source, object, tool, config, headers:<label>, byproduct, versions,
// builder, buildenv or packages (see package provenance). The files are hashed here.
// Arguments may come from @paramfiles (one per line).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/provenance"
)

const usage = "usage: provenance -o OUT [-param name=value]... ROLE PATH [ROLE PATH]...\n"

type options struct {
	out  string
	opts provenance.Options
}

func main() {
	os.Exit(runArgs(os.Args[1:], os.Stderr))
}

func runArgs(args []string, stderr io.Writer) int {
	args, err := paramfile.Expand(args)
	if err != nil {
		fmt.Fprintf(stderr, "provenance: %v\n", err)
		return 2
	}
	o, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "provenance: %v\n%s", err, usage)
		return 2
	}
	if err := run(o); err != nil {
		fmt.Fprintf(stderr, "provenance: %v\n", err)
		return 1
	}
	return 0
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	o := options{opts: provenance.Options{External: map[string]string{}}}
	fs := flag.NewFlagSet("provenance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "o", "", "the JSON file to write")
	fs.Func("param", "an external parameter, name=value (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("want name=value, got %q", s)
		}
		o.opts.External[k] = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.out == "" {
		return o, errors.New("-o is required")
	}
	rest := fs.Args()
	if len(rest)%2 != 0 {
		return o, fmt.Errorf("ROLE PATH pairs expected; %q has no path", rest[len(rest)-1])
	}
	for i := 0; i < len(rest); i += 2 {
		o.opts.Inputs = append(o.opts.Inputs, provenance.Input{Role: rest[i], Path: rest[i+1]})
	}
	return o, nil
}

func run(o options) error {
	st, err := provenance.Build(o.opts)
	if err != nil {
		return err
	}
	data, err := provenance.Marshal(st)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(o.out, data)
}
