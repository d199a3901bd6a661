// Command repin moves the Debian packages MODULE.bazel pins to what the
// mirror's sid index has now, rewrites every file that names them, and
// regenerates what is derived from them (docs/design.md, "Moving the pins").
//
//	./bazelw run //tools/repin                    # move everything
//	./bazelw run //tools/repin -- -kernel=false   # only the same-name packages
//	./bazelw run //tools/repin -- -dry_run        # print, write nothing
//
// The mirror is $RULES_FIPS140_DEBIAN_MIRROR, else the first URI of apt's
// sources.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/repin"
)

type options struct {
	workspace string
	mirror    string
	kernel    bool
	dryRun    bool
	runSteps  bool
	bazel     string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("repin", flag.ContinueOnError)
	fs.StringVar(&o.workspace, "workspace", os.Getenv("BUILD_WORKSPACE_DIRECTORY"), "the checkout's root (default: the one `bazel run` runs from)")
	fs.StringVar(&o.mirror, "mirror", "", "the Debian mirror's base URL (default: $"+debpkg.MirrorEnv+", else apt's sources)")
	fs.BoolVar(&o.kernel, "kernel", true, "move the kernel family (linux and linux-signed-*) too; false moves only the same-name packages")
	fs.BoolVar(&o.dryRun, "dry_run", false, "print what would change; write and run nothing")
	fs.BoolVar(&o.runSteps, "run_steps", true, "run the regeneration steps after a kernel move (else print them)")
	fs.StringVar(&o.bazel, "bazel", "", "the Bazel the steps run (default: the checkout's bazelw)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.workspace == "" {
		return o, fmt.Errorf("no -workspace, and not run by `bazel run`")
	}
	if o.bazel == "" {
		o.bazel = filepath.Join(o.workspace, "bazelw")
	}
	return o, nil
}

func run(o options) error {
	mirror := o.mirror
	if mirror == "" {
		var err error
		if mirror, err = debpkg.MirrorURL(os.Getenv, os.ReadFile); err != nil {
			return err
		}
	}
	return repin.Run(repin.Options{
		Workspace: o.workspace,
		Source:    repin.HTTPMirror{Base: mirror},
		Kernel:    o.kernel,
		DryRun:    o.dryRun,
		RunSteps:  o.runSteps,
		Bazel:     []string{o.bazel},
		Stdout:    os.Stdout,
	})
}

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err == nil {
		var o options
		if o, err = parseFlags(args); err == nil {
			err = run(o)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "repin: %v\n", err)
		os.Exit(1)
	}
}
