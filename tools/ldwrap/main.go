// Command ldwrap drives the kernel toolchain's linker (and objtool) for the
// fips140 links, always with the same deterministic flags, and writes the
// scripts and the C file those links need. The tools are given by path and
// never looked up on PATH.
//
//	ldwrap partial-link -ld LD [-composite] -o fips140.o ARCHIVE...
//	ldwrap link-ko      -ld LD -module-lds module.lds -o X.ko X.o X.mod.o .module-common.o
//	ldwrap link-vmlinux -ld LD -fips140-ko OBJ -fips140-hmac OBJ [-btf [-fips140-btf OBJ]]
//	                    [-dual -nonfips140-ko OBJ [-nonfips140-btf OBJ]] [-kernel-lds vmlinux.lds]
//	                    [-insert before:SECTION|after:SECTION] [-r] [-ldflag FLAG]... -o OUT INPUT...
//	ldwrap link-kernel  -ld LD -nm NM -cc CC -objcopy OBJCOPY -kallsyms K -sorttable S -mksysmap M
//	                    -config .config -link-cmd .vmlinux.unstripped.cmd -kernel-lds vmlinux.lds
//	                    [-anchor SECTION] -headers DIR -ccflag FLAG... -fips140-ko OBJ -fips140-hmac OBJ
//	                    [-nonfips140-ko OBJ] [-unstripped OUT] [-system-map OUT] [-image OUT] -work DIR -o vmlinux OBJ...
//	ldwrap objtool      -objtool OBJTOOL -arg=ARG... -o OUT IN
//	ldwrap gen-main     [-selftest-wait FUNC] [-initcalls] -o fips140-main.c OBJ...
//	ldwrap script       initcalls|placement [-arch A] [-btf] [-dual] [-insert ...] -o OUT
//
// Arguments may come from @paramfiles. See package link for the command
// lines and the scripts.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/kernellink"
	"github.com/rules-fips140/rules_fips140/tools/internal/link"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

const usage = `usage:
  ldwrap partial-link -ld LD [-composite] -o fips140.o ARCHIVE...
  ldwrap link-ko      -ld LD -module-lds module.lds -o X.ko X.o X.mod.o .module-common.o
  ldwrap link-vmlinux -ld LD -fips140-ko OBJ -fips140-hmac OBJ [-btf [-fips140-btf OBJ]]
                      [-dual -nonfips140-ko OBJ [-nonfips140-btf OBJ]] [-kernel-lds vmlinux.lds]
                      [-insert before:SECTION|after:SECTION] [-r] [-ldflag FLAG]... -o OUT INPUT...
  ldwrap objtool      -objtool OBJTOOL -arg=ARG... -o OUT IN
  ldwrap gen-main     [-selftest-wait FUNC] [-initcalls] -o fips140-main.c OBJ...
  ldwrap script       initcalls|placement [-arch x86_64|arm64] [-btf] [-dual] [-insert ...] -o OUT
`

// options are the parsed arguments of one verb.
type options struct {
	verb    string
	partial link.Partial
	module  link.Module
	vmlinux link.Vmlinux
	kernel  kernellink.Options
	objtool link.Objtool
	genMain struct {
		objects []string
		opts    link.MainOptions
		out     string
	}
	script struct {
		kind      string // initcalls or placement
		out       string
		placement link.Placement
	}
}

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "ldwrap: %v\n", err)
		os.Exit(2)
	}
	opts, err := parseArgs(args, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ldwrap: %v\n%s", err, usage)
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stderr))
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, " ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	if len(args) == 0 {
		return o, errors.New("no verb")
	}
	o.verb = args[0]
	fs := flag.NewFlagSet("ldwrap "+o.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ld, objtool, out string
	var lld bool
	var rest func() error // checks after parsing
	toolFlag := func(p *string, name string) {
		fs.StringVar(p, name, "", "path of the toolchain's "+name+" (never looked up on PATH)")
		if name == "ld" {
			fs.BoolVar(&lld, "lld", false, "the linker is ld.lld: leave out GNU ld's --no-warn-rwx-segments")
		}
	}
	fs.StringVar(&out, "o", "", "the output file")
	switch o.verb {
	case "partial-link":
		toolFlag(&ld, "ld")
		composite := fs.Bool("composite", false, "link a composite module object as kbuild does: plain ld -r, no initcall script")
		rest = func() error {
			o.partial = link.Partial{LD: link.Tool{Path: ld, LLD: lld}, Inputs: fs.Args(), Out: out, Composite: *composite}
			return need(ld != "", "-ld", fs.NArg() > 0, "an input archive")
		}
	case "link-ko":
		toolFlag(&ld, "ld")
		fs.StringVar(&o.module.ModuleLDS, "module-lds", "", "the kernel's module.lds")
		rest = func() error {
			o.module.LD, o.module.Objects, o.module.Out = link.Tool{Path: ld, LLD: lld}, fs.Args(), out
			return need(ld != "", "-ld", o.module.ModuleLDS != "", "-module-lds", fs.NArg() > 0, "input objects")
		}
	case "link-vmlinux":
		toolFlag(&ld, "ld")
		v := &o.vmlinux
		fs.StringVar(&v.KernelLDS, "kernel-lds", "", "the kernel's vmlinux.lds (default: the linker's own script)")
		fs.BoolVar(&v.Relocatable, "r", false, "write a relocatable object (ld -r)")
		fs.Var((*stringList)(&v.LDFlags), "ldflag", "a further linker flag, e.g. -ldflag=--emit-relocs (repeatable)")
		fs.StringVar(&v.Insert, "insert", "", "where the blobs go: before:SECTION or after:SECTION (default before:.data on x86_64, before:.got on arm64)")
		fs.BoolVar(&v.BTF, "btf", false, "place the module BTF (CONFIG_DEBUG_INFO_BTF_MODULES)")
		fs.BoolVar(&v.Dual, "dual", false, "place the nonfips140 module too (CONFIG_CRYPTO_FIPS140_DUAL_VERSION)")
		v.Embedded = map[string]string{}
		objs := map[string]*string{}
		for _, k := range link.EmbeddedKinds() {
			objs[k.Flag] = new(string)
			fs.StringVar(objs[k.Flag], k.Flag, "", "the object holding "+k.InputSection)
		}
		rest = func() error {
			v.LD, v.Inputs, v.Out = link.Tool{Path: ld, LLD: lld}, fs.Args(), out
			for flag, p := range objs {
				if *p != "" {
					v.Embedded[flag] = *p
				}
			}
			return need(ld != "", "-ld", fs.NArg() > 0, "input objects")
		}
	case "link-kernel":
		k := &o.kernel
		for name, p := range map[string]*string{"ld": &k.LD, "nm": &k.NM, "cc": &k.CC, "objcopy": &k.Objcopy} {
			fs.StringVar(p, name, "", "path of the toolchain's "+name+" (never looked up on PATH)")
		}
		fs.StringVar(&k.Kallsyms, "kallsyms", "", "the kernel's scripts/kallsyms")
		fs.StringVar(&k.Sorttable, "sorttable", "", "the kernel's scripts/sorttable")
		fs.StringVar(&k.Mksysmap, "mksysmap", "", "the kernel's scripts/mksysmap")
		fs.StringVar(&k.Config, "config", "", "the kernel's resolved .config")
		fs.StringVar(&k.LinkCmd, "link-cmd", "", "kbuild's .vmlinux.unstripped.cmd (the linker flags)")
		fs.StringVar(&k.LDS, "kernel-lds", "", "the kernel's vmlinux.lds")
		fs.StringVar(&k.Anchor, "anchor", "", "the output section the blobs go right before, or a comma-separated list of which the script's first is taken (default: the seed's)")
		fs.StringVar(&k.Headers, "headers", "", "kernel_build's headers tree (@SRC@, @OBJ@ in -ccflag)")
		fs.Var((*stringList)(&k.CCFlags), "ccflag", "an assembler flag for the kallsyms table (repeatable)")
		fs.StringVar(&k.Unstripped, "unstripped", "", "where to write vmlinux.unstripped")
		fs.StringVar(&k.SystemMap, "system-map", "", "where to write System.map")
		fs.StringVar(&k.Image, "image", "", "where to write arm64's boot Image (objcopy -O binary)")
		fs.StringVar(&k.Work, "work", "", "a scratch directory")
		k.Embedded = map[string]string{}
		objs := map[string]*string{}
		for _, e := range link.EmbeddedKinds() {
			objs[e.Flag] = new(string)
			fs.StringVar(objs[e.Flag], e.Flag, "", "the object holding "+e.InputSection)
		}
		rest = func() error {
			k.Objects, k.Out = fs.Args(), out
			for flag, p := range objs {
				if *p != "" {
					k.Embedded[flag] = *p
				}
			}
			return need(k.LD != "", "-ld", k.NM != "", "-nm", k.CC != "", "-cc", k.Objcopy != "", "-objcopy",
				k.Kallsyms != "", "-kallsyms", k.Mksysmap != "", "-mksysmap", k.Config != "", "-config",
				k.LinkCmd != "", "-link-cmd", k.LDS != "", "-kernel-lds",
				k.Headers != "", "-headers", k.Work != "", "-work", fs.NArg() > 0, "input objects")
		}
	case "objtool":
		toolFlag(&objtool, "objtool")
		fs.Var((*stringList)(&o.objtool.Args), "arg", "an objtool argument, e.g. -arg=--orc (repeatable, in order)")
		rest = func() error {
			if fs.NArg() != 1 {
				return errors.New("want exactly one input object")
			}
			o.objtool.Objtool, o.objtool.In, o.objtool.Out = link.Tool{Path: objtool}, fs.Arg(0), out
			return need(objtool != "", "-objtool", len(o.objtool.Args) > 0, "-arg")
		}
	case "gen-main":
		fs.StringVar(&o.genMain.opts.SelftestWait, "selftest-wait", "", "a `void f(void)` the failure path calls before unwinding, instead of the built-in waits for the self-tests and the last algorithm references")
		fs.BoolVar(&o.genMain.opts.Initcalls, "initcalls", false, "also run the seed's .fips_initcall0/1/2 levels")
		rest = func() error {
			o.genMain.objects, o.genMain.out = fs.Args(), out
			// Seed-style parts alone (-initcalls) have no renamed objects.
			return need(fs.NArg() > 0 || o.genMain.opts.Initcalls, "renamed part objects")
		}
	case "script":
		if len(args) < 2 {
			return o, errors.New("script: want initcalls or placement")
		}
		o.script.kind = args[1]
		args = args[1:]
		arch := fs.String("arch", "", "x86_64 or arm64 (placement)")
		var v link.Vmlinux
		fs.BoolVar(&v.BTF, "btf", false, "place the module BTF")
		fs.BoolVar(&v.Dual, "dual", false, "place the nonfips140 module too")
		fs.StringVar(&v.Insert, "insert", "", "before:SECTION or after:SECTION")
		rest = func() error {
			o.script.out = out
			switch o.script.kind {
			case "initcalls":
				return nil
			case "placement":
				a, err := elf.ParseArch(*arch)
				if err != nil {
					return fmt.Errorf("-arch: %v", err)
				}
				o.script.placement, err = v.Placement(a)
				return err
			}
			return fmt.Errorf("script: unknown kind %q, want initcalls or placement", o.script.kind)
		}
	default:
		return o, fmt.Errorf("unknown verb %q", o.verb)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if out == "" {
		return o, errors.New("-o is required")
	}
	if o.verb == "script" && fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, rest()
}

// need takes pairs of (present, what) and reports the first missing one.
func need(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !pairs[i].(bool) {
			return fmt.Errorf("%s is required", pairs[i+1])
		}
	}
	return nil
}

func run(o options, stderr io.Writer) int {
	warnings, err := do(o)
	if warnings != "" {
		io.WriteString(stderr, warnings)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ldwrap %s: %v\n", o.verb, err)
		return 1
	}
	return 0
}

func do(o options) (warnings string, err error) {
	switch o.verb {
	case "partial-link":
		return o.partial.Link()
	case "link-ko":
		return o.module.Link()
	case "link-vmlinux":
		return o.vmlinux.Link()
	case "link-kernel":
		return "", kernellink.Link(o.kernel)
	case "objtool":
		return o.objtool.Run()
	case "gen-main":
		parts, err := link.PartsFromObjects(o.genMain.objects)
		if err != nil {
			return "", err
		}
		c, err := link.MainC(parts, o.genMain.opts)
		if err != nil {
			return "", err
		}
		return "", atomicfile.WriteBytes(o.genMain.out, []byte(c))
	case "script":
		s := link.InitcallScript()
		if o.script.kind == "placement" {
			s = o.script.placement.Script()
		}
		return "", atomicfile.WriteBytes(o.script.out, []byte(s))
	}
	return "", fmt.Errorf("unknown verb %q", o.verb)
}
