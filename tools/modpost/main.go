// Command modpost is a drop-in for Linux 7.2's scripts/mod/modpost for
// external and crypto modules: it checks module objects against
// Module.symvers files and writes <mod>.mod.c and a symbol dump.
//
//	modpost -M -e -i <headers>/Module.symvers -T modules.order -o Module.symvers
//	modpost -M -c -i vmlinux.symvers -o .fips140.symvers fips140.o
//
// Arguments may come from @paramfiles. Flags may follow object paths.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/modpost"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/symvers"
)

type options struct {
	cfg           modpost.Config
	symversIn     []string // -i
	objects       []string // positional
	orderFile     string   // -T
	symversOut    string   // -o
	ignoreMissing bool     // -n
}

// unsupported lists modpost flags whose features this modpost lacks; it
// refuses them rather than produce different output.
var unsupported = map[string]string{
	"t": "trimming unused exports (-t)",
	"u": "the unused-exports whitelist (-u)",
	"d": "namespace dependency files (-d)",
	"E": "section mismatch checks (-E)",
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("modpost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("M", true, "process .export_symbol (always on)")
	fs.BoolVar(&o.cfg.External, "e", false, "external module build")
	fs.BoolVar(&o.cfg.WarnUnresolved, "w", false, "unresolved symbols are warnings")
	fs.BoolVar(&o.cfg.AllowMissingNSImports, "N", false, "namespaces that are not imported are warnings")
	fs.BoolVar(&o.cfg.Crypto, "c", false, "crypto module mode: skip unresolved symbols; leave vmlinux out of -o")
	fs.BoolVar(&o.cfg.VmlinuxComplete, "vmlinux-complete", false, "with -c: the -i files hold all of vmlinux's exports, so unresolved symbols are errors as without -c (ours, not kbuild's)")
	fs.BoolVar(&o.ignoreMissing, "n", false, "ignore missing object files")
	fs.BoolVar(&o.cfg.Modversions, "m", false, "CONFIG_MODVERSIONS: CRCs from <mod>.mod and .<obj>.o.cmd #SYMVER lines")
	fs.BoolVar(&o.cfg.BasicVersions, "b", false, "write the __versions table (CONFIG_BASIC_MODVERSIONS)")
	fs.BoolVar(&o.cfg.ExtendedVersions, "x", false, "write the extended version tables (CONFIG_EXTENDED_MODVERSIONS)")
	fs.BoolVar(&o.cfg.AllSrcversions, "a", false, "srcversion for all modules (CONFIG_MODULE_SRCVERSION_ALL)")
	fs.Bool("W", false, "extra warnings (accepted, no effect)")
	fs.Func("i", "read a Module.symvers `file` (repeatable)", func(s string) error {
		o.symversIn = append(o.symversIn, s)
		return nil
	})
	fs.StringVar(&o.orderFile, "T", "", "read object paths from `file`, one per line")
	fs.StringVar(&o.symversOut, "o", "", "write the symbol dump to `file`")
	fs.StringVar(&o.cfg.StripPrefix, "strip-prefix", "", "remove `prefix` from object paths to name modules")
	var bad []string
	for name, what := range unsupported {
		fs.BoolFunc(name, "not supported: "+what, func(string) error {
			bad = append(bad, what)
			return nil
		})
	}
	for {
		if err := fs.Parse(args); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		o.objects = append(o.objects, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(bad) > 0 {
		return o, fmt.Errorf("not supported: %s", strings.Join(bad, ", "))
	}
	return o, nil
}

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "ERROR: modpost: %v\n", err)
		os.Exit(1)
	}
	opts, err := parseArgs(args, os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "ERROR: modpost: %v\n", err)
		}
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stderr))
}

func run(opts options, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "ERROR: modpost: %v\n", err)
		return 1
	}
	var dumps []modpost.SymversFile
	for _, p := range opts.symversIn {
		f, err := os.Open(p)
		if err != nil {
			return fail(err)
		}
		exports, err := symvers.Parse(f, p)
		f.Close()
		if err != nil {
			return fail(err)
		}
		dumps = append(dumps, modpost.SymversFile{Name: p, Exports: exports})
	}
	paths := opts.objects
	if opts.orderFile != "" {
		data, err := os.ReadFile(opts.orderFile)
		if err != nil {
			return fail(err)
		}
		if text := strings.TrimSuffix(string(data), "\n"); text != "" {
			paths = append(paths, strings.Split(text, "\n")...)
		}
	}
	// Read the objects concurrently, then report in path order.
	results := modpost.ReadObjectFiles(paths, ".o")
	var objects []*modpost.Object
	for i, r := range results {
		if !strings.HasSuffix(paths[i], ".o") {
			return fail(fmt.Errorf("%s: filename must be suffixed with .o", paths[i]))
		}
		if errors.Is(r.Err, os.ErrNotExist) && opts.ignoreMissing {
			fmt.Fprintf(stderr, "%v (ignored)\n", r.Err)
			continue
		}
		if r.Err != nil {
			return fail(r.Err)
		}
		objects = append(objects, r.Object)
	}

	res := modpost.Run(opts.cfg, dumps, objects)
	for _, d := range res.Diags {
		fmt.Fprint(stderr, d.String())
	}
	// After an error, ModC holds the files modpost wrote before it.
	if err := modpost.WriteModCFiles(res.ModC); err != nil {
		return fail(err)
	}
	if res.Failed {
		return 1
	}
	if opts.symversOut != "" {
		var b strings.Builder
		if err := symvers.Write(&b, res.Symvers); err != nil {
			return fail(err)
		}
		if err := atomicfile.WriteBytes(opts.symversOut, []byte(b.String())); err != nil {
			return fail(err)
		}
	}
	return 0
}
