// Command builds measures Bazel builds of rules_fips140, in one run, and
// prints tables of ratios:
//
//	linux                //:vmlinux, the real Linux 7.2 kernel, for each
//	                     architecture: cold, then rounds of one =y crypto
//	                     .c edit, side by side with kbuild's make vmlinux
//	                     on the same tree and .config;
//	example, realkernel  //examples:vmlinux and the real-kernel fips140.ko for each
//	                     architecture: a cold build in a fresh output base,
//	                     a null rebuild, a rebuild after editing one crypto
//	                     .c and (vmlinux only) after editing the .config's
//	                     HMAC key, with the actions each one executed;
//	synthetic            generated trees of N crypto objects: analysis time,
//	                     and the share of the pipeline (archive, link,
//	                     modpost, .ko, hmac, embed) in the build's action time;
//	kbuild               the real-kernel parts side by side with
//	                     `make -C <Debian 7.2.13 headers> M=<dir> modules`,
//	                     warm: a null rebuild and a one-file edit.
//
// Usage (from the repository root; bench/builds.sh runs it in the build
// root, where Bazel, the compilers and make are):
//
//	go run ./bench/builds [flags]
//
// Everything happens in a copy of the checkout under -workdir, with output
// bases there too: the checkout itself is never edited. Goals are printed,
// never enforced: the exit status says only whether the builds succeeded.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// options are the command-line settings.
type options struct {
	workspace string   // the checkout to copy
	workDir   string   // the copy, output bases and kbuild tree
	bazel     string   // the Bazel client
	bazelrc   string   // an extra --bazelrc (bazelw's offline overrides); "" for none
	make      string   // GNU make, for kbuild
	only      []string // scenario names; empty means all
	archs     []string // platforms for example and realkernel
	sizes     []int    // synthetic tree sizes
	rounds    int      // kbuild rounds
	markdown  bool
	keep      bool     // keep the work dir (the output bases are large)
	flags     []string // more Bazel flags for every build
}

// scenarioNames lists the scenarios in the order they run.
func scenarioNames() []string {
	return []string{"example", "linux", "realkernel", "synthetic", "kbuild"}
}

func main() {
	opts, err := parseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "builds: %v\n", err)
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stdout, os.Stderr))
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("builds", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var only, archs, sizes, flags string
	fs.StringVar(&o.workspace, "workspace", ".", "the checkout to measure (copied, never edited)")
	fs.StringVar(&o.workDir, "workdir", "/var/tmp/rules_fips140-bench-builds", "the work dir (emptied first)")
	fs.StringVar(&o.bazel, "bazel", "bazel", "the Bazel client")
	fs.StringVar(&o.bazelrc, "bazelrc", defaultBazelrc(), "an extra --bazelrc for every command")
	fs.StringVar(&o.make, "make", "make", "GNU make, for the kbuild scenario")
	fs.StringVar(&only, "only", "", "comma-separated scenarios to run, of: "+strings.Join(scenarioNames(), ","))
	fs.StringVar(&archs, "archs", "x86_64,arm64", "platforms for the example, linux and realkernel scenarios")
	fs.StringVar(&sizes, "sizes", "1,50,200,800", "crypto objects in each synthetic tree (the first is the baseline for growth)")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds of each comparison with kbuild (medians are printed)")
	fs.BoolVar(&o.markdown, "markdown", false, "print Markdown tables")
	fs.BoolVar(&o.keep, "keep", false, "keep the work dir")
	fs.StringVar(&flags, "bazel_flags", "", "space-separated Bazel flags added to every build (to compare settings)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for _, s := range split(only) {
		if !contains(scenarioNames(), s) {
			return o, fmt.Errorf("-only: unknown scenario %q (want some of %s)", s, strings.Join(scenarioNames(), ","))
		}
		o.only = append(o.only, s)
	}
	for _, a := range split(archs) {
		if a != "x86_64" && a != "arm64" {
			return o, fmt.Errorf("-archs: unknown platform %q (want x86_64 or arm64)", a)
		}
		o.archs = append(o.archs, a)
	}
	for _, s := range split(sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return o, fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	o.flags = strings.Fields(flags)
	if o.rounds < 1 {
		return o, fmt.Errorf("-rounds: %d, want at least 1", o.rounds)
	}
	return o, nil
}

// defaultBazelrc is bazelw's offline overrides when they exist.
func defaultBazelrc() string {
	const rc = "/opt/rules_fips140/offline.bazelrc"
	if _, err := os.Stat(rc); err == nil {
		return rc
	}
	return ""
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
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
	b, err := newBench(o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "builds: %v\n", err)
		return 1
	}
	defer b.close()
	status := 0
	for _, name := range scenarioNames() {
		if len(o.only) > 0 && !contains(o.only, name) {
			continue
		}
		fmt.Fprintf(stderr, "builds: %s\n", name)
		var t *table
		switch name {
		case "example":
			t, err = b.example()
		case "linux":
			t, err = b.linux()
		case "realkernel":
			t, err = b.realkernel()
		case "synthetic":
			t, err = b.synthetic()
		case "kbuild":
			t, err = b.kbuild()
		}
		if t != nil {
			t.print(stdout, o.markdown)
		}
		if err != nil {
			fmt.Fprintf(stderr, "builds: %s: %v\n", name, err)
			status = 1
		}
	}
	return status
}
