// Command kbuild builds a kernel from an unmodified source tarball with
// kbuild's own make, inside one build action, without the objects that
// fips140.ko carries (docs/design.md, "The real kernel").
//
//	kbuild -source linux-source-7.2.tar.xz -source-prefix linux-source-7.2 \
//	  -config x86_64.config -arch x86_64 -cc CC -ld LD -cross-compile x86_64-linux-gnu- [-make MAKE] \
//	  -fips140-object crypto/aes.o ... -cflag ... -aflag ... -objtool-arg ... \
//	  -headers DIR -out vmlinux.o=PATH ... -work DIR
//
// Arguments may come from @paramfiles.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/kernelbuild"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, " ") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err == nil {
		var o kernelbuild.Options
		if o, err = parseArgs(args, os.Stderr); err == nil {
			os.Exit(run(o, os.Stderr))
		}
	}
	fmt.Fprintf(os.Stderr, "kbuild: %v\n", err)
	os.Exit(2)
}

func parseArgs(args []string, stderr io.Writer) (kernelbuild.Options, error) {
	o := kernelbuild.Options{Outputs: map[string]string{}, Jobs: runtime.NumCPU()}
	var objects, cflags, aflags, objtool, outs list
	fs := flag.NewFlagSet("kbuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Source, "source", "", "the kernel source tarball")
	fs.StringVar(&o.SourcePrefix, "source-prefix", "", "the tarball's top directory")
	fs.StringVar(&o.Config, "config", "", "the resolved .config")
	fs.StringVar(&o.Arch, "arch", "", "kernel ARCH: x86_64 or arm64")
	fs.StringVar(&o.CC, "cc", "", "the C compiler")
	fs.StringVar(&o.LD, "ld", "", "the linker")
	fs.StringVar(&o.CrossCompile, "cross-compile", "", "the binutils prefix, e.g. aarch64-linux-gnu-")
	fs.StringVar(&o.Make, "make", "", "GNU make, in a directory of every program the build runs (then the build's whole PATH)")
	fs.IntVar(&o.Jobs, "jobs", o.Jobs, "make's -j")
	fs.Var(&objects, "fips140-object", "an object fips140.ko carries, kept out of vmlinux (repeated)")
	fs.Var(&cflags, "cflag", "an expected module C flag (repeated)")
	fs.Var(&aflags, "aflag", "an expected module assembler flag (repeated)")
	fs.Var(&objtool, "objtool-arg", "an expected objtool argument for modules (repeated)")
	fs.StringVar(&o.Headers, "headers", "", "the directory to fill with the module headers")
	fs.Var(&outs, "out", "OBJ_PATH=DEST: copy a file of the object tree (repeated)")
	fs.StringVar(&o.Work, "work", "", "a scratch directory")
	fs.StringVar(&o.Symversions, "symversions", "", "where to write the #SYMVER lines kbuild's genksyms gave the -fips140-objects (CONFIG_MODVERSIONS)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for name, v := range map[string]string{"source": o.Source, "config": o.Config, "arch": o.Arch, "cc": o.CC, "ld": o.LD, "headers": o.Headers, "work": o.Work} {
		if v == "" {
			return o, fmt.Errorf("-%s is required", name)
		}
	}
	for _, out := range outs {
		rel, dest, ok := strings.Cut(out, "=")
		if !ok || rel == "" || dest == "" {
			return o, fmt.Errorf("bad -out %q, want OBJ_PATH=DEST", out)
		}
		o.Outputs[rel] = dest
	}
	o.FIPS140Objects, o.ExpectCflags, o.ExpectAflags, o.ExpectObjtoolArgs = objects, cflags, aflags, objtool
	return o, nil
}

func run(o kernelbuild.Options, stderr io.Writer) int {
	if err := kernelbuild.Build(o); err != nil {
		fmt.Fprintf(stderr, "kbuild: %v\n", err)
		return 1
	}
	return 0
}
