// Command helpers compares the project's Go helpers with the native tools
// they replace, on the same inputs, in one run, and prints ours ÷ native:
//
//	hmac sign       vs  openssl dgst -sha256 -hmac KEY -binary
//	archiver create vs  ar cDPrST                (thin archives)
//	modpost         vs  Debian's modpost.real-lsb-64 (linux-kbuild-7.2.13),
//	                    without and with MODVERSIONS (-m -b)
//	embed           vs  ld -r -b binary + objcopy --rename-section
//
// Usage (from the repository root; bench/helpers.sh runs it in the build
// root with Debian sid's tools):
//
//	go run ./bench/helpers -modpost PATH/modpost.real-lsb-64 [flags]
//
// Every measurement is one whole process (or, for the native embed, the two
// processes ld and objcopy) timed from start to exit, so process start-up
// counts for both sides. Ours and native run alternately, -runs times each
// after one untimed warm-up run each; the table shows the medians. The
// outputs are compared after every round (digests, archives and objects
// byte for byte; modpost's Module.symvers and every .mod.c), and a
// mismatch stops the program. Targets are printed, never enforced: the
// exit status says only whether the runs and checks succeeded.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// options are the command-line settings.
type options struct {
	runs     int
	only     []string // bench names to run; empty means all
	tmpDir   string   // where the work dir is made; "" means the system's
	keep     bool     // keep the work dir
	markdown bool
	verbose  bool

	goCmd string
	ours  helpers // paths of our helpers; "" means build it

	openssl, ar, ld, objcopy string
	as                       string // GNU as for x86_64, assembles the versioned modpost modules
	modpost                  string // the real modpost binary
	modpostSysroot           string // run it with this root's loader and libs

	inputs inputSpec
}

// helpers are the paths of our four helper binaries.
type helpers struct {
	hmac, archiver, modpost, embed string
}

// inputSpec sizes the generated inputs.
type inputSpec struct {
	moduleBytes    int64  // the module for hmac and embed
	objects        int    // archive members
	modules        int    // modpost module objects (half export, half import)
	vmlinuxExports int    // lines of the synthetic vmlinux Module.symvers
	modpostObjs    string // the directory of the objects modules are made from
	modpostSymvers string // the vmlinux exports those objects use
	versioned      versionedSpec
}

// benchNames lists the benches in the order they run.
func benchNames() []string { return []string{"hmac", "archiver", "modpost", "embed"} }

func main() {
	opts, err := parseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "helpers: %v\n", err)
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stdout, os.Stderr))
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("helpers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.runs, "runs", 5, "timed runs of each side")
	only := fs.String("only", "", "comma-separated benches to run (default all: "+strings.Join(benchNames(), ",")+")")
	fs.StringVar(&o.tmpDir, "tmpdir", "", "make the work directory for inputs and outputs in this directory, e.g. a tmpfs (default: the system's temp dir)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory instead of removing it at the end")
	fs.BoolVar(&o.markdown, "markdown", false, "print the table as Markdown")
	fs.BoolVar(&o.verbose, "v", false, "print every run's times")
	fs.StringVar(&o.goCmd, "go", "go", "the go command that builds our helpers")
	fs.StringVar(&o.ours.hmac, "our-hmac", "", "our hmac binary (default: go build ./tools/hmac)")
	fs.StringVar(&o.ours.archiver, "our-archiver", "", "our archiver binary (default: go build ./tools/archiver)")
	fs.StringVar(&o.ours.modpost, "our-modpost", "", "our modpost binary (default: go build ./tools/modpost)")
	fs.StringVar(&o.ours.embed, "our-embed", "", "our embed binary (default: go build ./tools/embed)")
	fs.StringVar(&o.openssl, "openssl", "openssl", "the openssl command")
	fs.StringVar(&o.ar, "ar", "ar", "GNU ar")
	fs.StringVar(&o.ld, "ld", "ld", "GNU ld for x86_64")
	fs.StringVar(&o.objcopy, "objcopy", "objcopy", "GNU objcopy")
	fs.StringVar(&o.as, "as", "as", "GNU as for x86_64 (assembles the versioned modpost modules)")
	fs.StringVar(&o.modpost, "modpost", "", "the real modpost: scripts/mod/modpost.real-lsb-64 of linux-kbuild-7.2.13+deb14 (required for the modpost bench)")
	fs.StringVar(&o.modpostSysroot, "modpost-sysroot", "", "a root with glibc >= 2.38 whose loader and libraries run the real modpost (for older hosts)")
	moduleMB := fs.Int64("module-mb", 64, "size of the pseudo-random module for hmac and embed, in MiB")
	fs.IntVar(&o.inputs.objects, "objects", 2000, "objects in the archives")
	fs.IntVar(&o.inputs.modules, "modules", 2000, "module objects for modpost (an even number)")
	fs.IntVar(&o.inputs.vmlinuxExports, "vmlinux-exports", 29242, "exports in the synthetic vmlinux Module.symvers (29,242 in Debian's 7.2.13 amd64 headers)")
	fs.StringVar(&o.inputs.modpostObjs, "modpost-objs", "tools/internal/modpost/testdata/objs/x86_64", "directory holding exporter.o and user.o, the templates of the modpost inputs")
	fs.StringVar(&o.inputs.modpostSymvers, "modpost-symvers", "tools/internal/modpost/testdata/vmlinux.symvers", "the vmlinux exports the template objects use; added to the synthetic vmlinux Module.symvers")
	fs.IntVar(&o.inputs.versioned.modules, "versioned-modules", 1000, "modules of the MODVERSIONS modpost case (-M -m -b); 0 leaves it out")
	fs.IntVar(&o.inputs.versioned.exports, "versioned-exports", 40, "exports of each versioned module (each with a #SYMVER CRC)")
	fs.IntVar(&o.inputs.versioned.imports, "versioned-imports", 80, "vmlinux symbols each versioned module imports (with CRCs); at most -vmlinux-exports")
	fs.IntVar(&o.inputs.versioned.cmdDeps, "cmd-deps", 300, "deps_ lines (header paths) in each .cmd file of the versioned modules")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.inputs.moduleBytes = *moduleMB << 20
	if *only != "" {
		o.only = strings.Split(*only, ",")
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.runs < 1:
		return o, errors.New("-runs must be at least 1")
	case o.inputs.moduleBytes < 1 || o.inputs.objects < 1:
		return o, errors.New("-module-mb and -objects must be positive")
	case o.inputs.modules < 2 || o.inputs.modules%2 != 0:
		return o, errors.New("-modules must be a positive even number")
	case o.inputs.modules/2 > maxModulePairs:
		return o, fmt.Errorf("-modules must be at most %d", 2*maxModulePairs)
	case o.inputs.vmlinuxExports < 0:
		return o, errors.New("-vmlinux-exports must not be negative")
	case o.inputs.versioned.modules < 0 || o.inputs.versioned.modules > 99999:
		return o, errors.New("-versioned-modules must be between 0 and 99999")
	case o.inputs.versioned.exports < 1 || o.inputs.versioned.exports > 999:
		return o, errors.New("-versioned-exports must be between 1 and 999")
	case o.inputs.versioned.imports < 0 || o.inputs.versioned.imports > o.inputs.vmlinuxExports:
		return o, errors.New("-versioned-imports must be between 0 and -vmlinux-exports")
	case o.inputs.versioned.cmdDeps < 0:
		return o, errors.New("-cmd-deps must not be negative")
	}
	for _, name := range o.only {
		if !contains(benchNames(), name) {
			return o, fmt.Errorf("-only: unknown bench %q (want some of %s)", name, strings.Join(benchNames(), ","))
		}
	}
	if o.wants("modpost") && o.modpost == "" {
		return o, errors.New("-modpost is required: the path of the real modpost.real-lsb-64 (or leave modpost out with -only)")
	}
	return o, nil
}

// wants reports whether the bench called name is to run.
func (o options) wants(name string) bool {
	return len(o.only) == 0 || contains(o.only, name)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func run(o options, stdout, stderr io.Writer) int {
	if err := runErr(o, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "helpers: %v\n", err)
		return 1
	}
	return 0
}

func runErr(o options, stdout, stderr io.Writer) (err error) {
	work, err := os.MkdirTemp(o.tmpDir, "fips140-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stderr, "helpers: work directory %s (kept)\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	t, err := resolveTools(o, work, stderr)
	if err != nil {
		return err
	}
	printTools(stdout, t)
	var results []result
	for _, name := range benchNames() {
		if !o.wants(name) {
			continue
		}
		fmt.Fprintf(stderr, "helpers: preparing %s\n", name)
		cases, err := prepare(name, o.inputs, t, work)
		if err != nil {
			return fmt.Errorf("preparing %s: %w", name, err)
		}
		for _, c := range cases {
			fmt.Fprintf(stderr, "helpers: running %s (%s), %d runs each\n", c.tool, c.input, o.runs)
			r, err := measure(c, o.runs, o.verbose, stderr)
			if err != nil {
				return fmt.Errorf("%s (%s): %w", c.tool, c.input, err)
			}
			results = append(results, r)
		}
	}
	printTable(stdout, results, o.markdown)
	return nil
}
