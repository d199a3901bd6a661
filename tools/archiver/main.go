// Command archiver writes and lists ar archives the way kbuild uses them,
// replacing `ar cDPrST` (thin) and `ar cDPrS`/`ar cDrS` (normal) and `ar t`.
//
// Usage:
//
//	archiver create [-format thin|normal] [-basename] -o OUT INPUT...
//	archiver list ARCHIVE...
//
// create writes OUT from the inputs, in order. An input that is an archive
// is flattened: a thin archive contributes its leaf members recursively, a
// normal archive its members, so link (and initcall) order is kept exactly.
// Any other input is one member.
//
//	-format thin    (default) a thin archive, like `ar cDPrST`: member paths
//	                relative to OUT's directory, no data, no symbol index.
//	-format normal  a normal archive with the members' data, like `ar cDPrS`.
//	-basename       with -format normal, store only each member's last path
//	                element, like `ar cDrS`.
//	-o OUT          the archive to write. It is written to a temporary file
//	                next to OUT and renamed, so OUT is never left partial.
//
// Headers are deterministic (mtime, uid, gid 0, mode 644); no symbol index
// is written.
//
// list prints the leaf members of each archive, one per line, in order and
// with nested archives flattened, as `ar t` prints them: thin members as the
// archive's directory joined with the stored path, members of normal
// archives by their stored name.
//
// Every argument of the form @FILE is first replaced by FILE's lines (see
// package paramfile). On bad input archiver prints an error naming the file
// and the problem and exits 1; usage errors exit 2.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rules-fips140/rules_fips140/tools/internal/ar"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

type options struct {
	command  string // "create" or "list"
	format   string // "thin" or "normal"
	basename bool
	output   string
	inputs   []string
}

const usage = `usage:
  archiver create [-format thin|normal] [-basename] -o OUT INPUT...
  archiver list ARCHIVE...
`

func main() {
	os.Exit(runArgs(os.Args[1:], os.Stdout, os.Stderr))
}

// runArgs expands parameter files, parses the arguments and runs.
func runArgs(args []string, stdout, stderr io.Writer) int {
	args, err := paramfile.Expand(args)
	if err != nil {
		fmt.Fprintf(stderr, "archiver: %v\n", err)
		return 1
	}
	opts, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "archiver: %v\n%s", err, usage)
		return 2
	}
	return run(opts, stdout, stderr)
}

func parseArgs(args []string) (options, error) {
	var opts options
	if len(args) == 0 {
		return opts, errors.New("no command")
	}
	opts.command = args[0]
	fs := flag.NewFlagSet("archiver "+opts.command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	switch opts.command {
	case "create":
		fs.StringVar(&opts.format, "format", "thin", "thin or normal")
		fs.BoolVar(&opts.basename, "basename", false, "normal archives: store base names")
		fs.StringVar(&opts.output, "o", "", "output archive")
	case "list":
	default:
		return opts, fmt.Errorf("unknown command %q", opts.command)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return opts, err
	}
	opts.inputs = fs.Args()
	if opts.command == "list" {
		if len(opts.inputs) == 0 {
			return opts, errors.New("list: no archive given")
		}
		return opts, nil
	}
	if opts.output == "" {
		return opts, errors.New("create: -o is required")
	}
	switch opts.format {
	case "thin":
		if opts.basename {
			return opts, errors.New("create: -basename needs -format normal; thin archives store paths")
		}
	case "normal":
	default:
		return opts, fmt.Errorf("create: -format %q: want thin or normal", opts.format)
	}
	for _, in := range opts.inputs {
		if filepath.Clean(in) == filepath.Clean(opts.output) {
			return opts, fmt.Errorf("create: output %s is also an input", opts.output)
		}
	}
	return opts, nil
}

func run(opts options, stdout, stderr io.Writer) int {
	var err error
	switch opts.command {
	case "create":
		err = create(opts)
	case "list":
		err = list(opts.inputs, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "archiver: %v\n", err)
		return 1
	}
	return 0
}

func create(opts options) error {
	leaves, err := ar.Collect(opts.inputs)
	if err != nil {
		return err
	}
	return writeAtomic(opts.output, func(w io.Writer) error {
		if opts.format == "normal" {
			style := ar.FullPath
			if opts.basename {
				style = ar.BaseName
			}
			return ar.WriteNormal(w, leaves, style)
		}
		return ar.WriteThin(w, opts.output, leaves)
	})
}

func list(archives []string, stdout io.Writer) error {
	w := bufio.NewWriter(stdout)
	for _, path := range archives {
		leaves, err := ar.Leaves(path)
		if err != nil {
			return err
		}
		for _, l := range leaves {
			fmt.Fprintln(w, l.Name())
		}
	}
	return w.Flush()
}

// writeAtomic writes path through a temporary file in the same directory,
// renamed into place only when write succeeds.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
