// Command btfsplit makes a kernel module's BTF as separate files without
// changing the module, writes the object that embeds it into vmlinux, and
// compares BTF blobs:
//
//	btfsplit split -module M.ko -base VMLINUX -pahole PAHOLE -resolve-btfids RESOLVE_BTFIDS
//	         [-btf OUT] [-obj OUT.o] [-distill -btf-base OUT] [-allow-btf-ids [-btf-ids OUT]]
//	         [-pahole-flag F]... [-section S] [-prefix P] [-tmpdir DIR]
//	btfsplit object -arch x86_64|arm64 -in BTF -base VMLINUX -out OUT.o [-section S] [-prefix P]
//	btfsplit compare [-base BASE] [-base2 BASE2] A B
//	btfsplit vmlinux -elf TMP_VMLINUX -pahole PAHOLE -resolve-btfids RESOLVE_BTFIDS -obj OUT.o [-btf OUT]
//	         [-pahole-flag F]... [-tmpdir DIR]
//	btfsplit check -first-base FIRST_VMLINUX -base VMLINUX -pahole PAHOLE -resolve-btfids RESOLVE_BTFIDS
//	         -report OUT [-o OUT_VMLINUX] [-strict] [-pahole-flag F]... [-tmpdir DIR] (NAME MODULE BTF)...
//
// split runs pahole and resolve_btfids as Linux 7.2's gen-btf.sh does for a
// module, on a temporary copy, and checks that the module's bytes did not
// change. object puts a BTF blob into section .fips140_btf (or -section) of
// a relocatable object. compare exits 0 when the blobs are identical, 1 when
// they differ (saying where), 2 on errors. A blob or base may be raw BTF or
// an ELF file, whose .BTF section is read.
//
// vmlinux makes vmlinux's own BTF from a link without it, as gen-btf.sh
// does for link-vmlinux.sh, and writes the object that links it in as
// .BTF. check makes each module's BTF again against the relinked vmlinux
// and compares it with the BTF embedded (made against the first link,
// FIRST_VMLINUX), as the seed series does after its relink: it writes a
// report and, when they differ, warns ("Module BTF differs"), or with
// -strict fails. With -o it then copies the relinked vmlinux there, so that
// nothing downstream gets the vmlinux without the check. Arguments may come
// from @paramfiles.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/btf"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

// Exit codes.
const (
	exitOK    = 0
	exitDiff  = 1 // compare: the blobs differ; other verbs: failure
	exitError = 2 // bad usage; for compare, also bad input
)

type splitOptions struct {
	module, base        string
	splitter            btf.Splitter
	btf, btfBase, btfID string // raw outputs
	obj, section, pref  string
}

type objectOptions struct {
	in, base, out string
	arch          elf.Arch
	section, pref string
}

type compareOptions struct {
	a, b, base, base2 string
}

type vmlinuxOptions struct {
	elf, btf, obj string
	splitter      btf.Splitter
}

type checkOptions struct {
	firstBase, base, report, out string
	strict                       bool
	splitter                     btf.Splitter
	modules                      []btf.RelinkModule
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run expands @paramfiles in args, then runs the verb they name.
func run(args []string, stdout, stderr io.Writer) int {
	args, err := paramfile.Expand(args)
	if err != nil {
		fmt.Fprintf(stderr, "btfsplit: %v\n", err)
		return exitError
	}
	return dispatch(args, stdout, stderr)
}

const usage = "usage: btfsplit split|object|compare|vmlinux|check [flags]; see btfsplit VERB -h"

// dispatch parses the verb and its flags and runs it.
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitError
	}
	verb, args := args[0], args[1:]
	switch verb {
	case "split":
		o, err := parseSplit(args, stderr)
		if err != nil {
			return exitError
		}
		return report(stderr, runSplit(o, stderr))
	case "object":
		o, err := parseObject(args, stderr)
		if err != nil {
			return exitError
		}
		return report(stderr, runObject(o))
	case "compare":
		o, err := parseCompare(args, stderr)
		if err != nil {
			return exitError
		}
		return runCompare(o, stdout, stderr)
	case "vmlinux":
		o, err := parseVmlinux(args, stderr)
		if err != nil {
			return exitError
		}
		return report(stderr, runVmlinux(o, stderr))
	case "check":
		o, err := parseCheck(args, stderr)
		if err != nil {
			return exitError
		}
		return report(stderr, runCheck(o, stderr))
	}
	fmt.Fprintf(stderr, "btfsplit: unknown verb %q\n%s\n", verb, usage)
	return exitError
}

func report(stderr io.Writer, err error) int {
	if err != nil {
		fmt.Fprintf(stderr, "btfsplit: %v\n", err)
		return exitDiff
	}
	return exitOK
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func usageError(stderr io.Writer, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(stderr, "btfsplit: %v\n", err)
	return err
}

// toolFlags adds the flags that set up a Splitter's tools.
func toolFlags(fs *flag.FlagSet, s *btf.Splitter, flags *stringList) {
	fs.StringVar(&s.Pahole, "pahole", "", "path of pahole")
	fs.StringVar(&s.ResolveBTFIDs, "resolve-btfids", "", "path of resolve_btfids")
	fs.Var(flags, "pahole-flag", "a pahole flag, repeatable; replaces the 7.2 default flags: "+strings.Join(btf.DefaultPaholeFlags, " "))
	fs.StringVar(&s.TempDir, "tmpdir", "", "where temporary copies go (default: $TMPDIR)")
}

func parseSplit(args []string, stderr io.Writer) (splitOptions, error) {
	var o splitOptions
	fs := flag.NewFlagSet("btfsplit split", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.module, "module", "", "the module (.ko); it is read, never changed")
	fs.StringVar(&o.base, "base", "", "the BTF base: a vmlinux with .BTF for the module's architecture")
	fs.StringVar(&o.splitter.Pahole, "pahole", "", "path of pahole")
	fs.StringVar(&o.splitter.ResolveBTFIDs, "resolve-btfids", "", "path of resolve_btfids")
	var flags stringList
	fs.Var(&flags, "pahole-flag", "a pahole flag, repeatable; replaces the 7.2 default flags: "+strings.Join(btf.DefaultPaholeFlags, " "))
	fs.BoolVar(&o.splitter.Distill, "distill", false, "distill the base into .BTF.base (-btf-base), as for external modules")
	fs.BoolVar(&o.splitter.AllowBTFIDs, "allow-btf-ids", false, "accept a module with a .BTF_ids section, whose IDs then stay unpatched")
	fs.StringVar(&o.splitter.TempDir, "tmpdir", "", "where the module's temporary copy goes (default: $TMPDIR)")
	fs.StringVar(&o.btf, "btf", "", "write the module's .BTF here")
	fs.StringVar(&o.btfBase, "btf-base", "", "write the distilled .BTF.base here (needs -distill)")
	fs.StringVar(&o.btfID, "btf-ids", "", "write the unpatched .BTF_ids data here (needs -allow-btf-ids)")
	fs.StringVar(&o.obj, "obj", "", "write the object embedding the .BTF here")
	fs.StringVar(&o.section, "section", btf.Section, "the object's section, e.g. "+btf.NonFIPS140Section)
	fs.StringVar(&o.pref, "prefix", "", "the object's symbol prefix, e.g. "+btf.NonFIPS140Prefix)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usageError(stderr, "split: unexpected arguments: %q", fs.Args())
	case o.module == "" || o.base == "" || o.splitter.Pahole == "" || o.splitter.ResolveBTFIDs == "":
		return o, usageError(stderr, "split: -module, -base, -pahole and -resolve-btfids are required")
	case o.btf == "" && o.obj == "":
		return o, usageError(stderr, "split: nothing to write: give -btf or -obj")
	case o.btfBase != "" && !o.splitter.Distill:
		return o, usageError(stderr, "split: -btf-base needs -distill")
	case o.splitter.Distill && o.btfBase == "":
		return o, usageError(stderr, "split: -distill needs -btf-base: the .BTF means nothing without it")
	case o.btfID != "" && !o.splitter.AllowBTFIDs:
		return o, usageError(stderr, "split: -btf-ids needs -allow-btf-ids")
	}
	if len(flags) > 0 {
		o.splitter.PaholeFlags = flags
	}
	// The object's settings are checked before any work.
	if err := btf.Object(elf.X86_64, o.section, o.pref).Check(); err != nil {
		return o, usageError(stderr, "split: %v", err)
	}
	return o, nil
}

func runSplit(o splitOptions, stderr io.Writer) error {
	o.splitter.Stderr = stderr
	r, err := o.splitter.Split(o.module, o.base)
	if err != nil {
		return err
	}
	for _, out := range []struct {
		path string
		data []byte
	}{{o.btf, r.BTF}, {o.btfBase, r.BTFBase}, {o.btfID, r.BTFIDs}} {
		if out.path == "" {
			continue
		}
		if out.data == nil {
			out.data = []byte{} // e.g. no .BTF_ids: an empty file
		}
		if err := atomicfile.WriteBytes(out.path, out.data); err != nil {
			return err
		}
	}
	if o.obj != "" {
		return writeObject(o.obj, btf.Object(r.Arch, o.section, o.pref), r.BTF)
	}
	return nil
}

func writeObject(path string, b elf.Blob, blob []byte) error {
	obj, err := b.Bytes(blob)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, obj)
}

func parseObject(args []string, stderr io.Writer) (objectOptions, error) {
	var o objectOptions
	fs := flag.NewFlagSet("btfsplit object", flag.ContinueOnError)
	fs.SetOutput(stderr)
	arch := fs.String("arch", "", "target architecture: x86_64 or arm64")
	fs.StringVar(&o.in, "in", "", "the module's BTF (raw, as split -btf writes it)")
	fs.StringVar(&o.base, "base", "", "the BTF base the blob is split on, to check it")
	fs.StringVar(&o.out, "out", "", "the object to write")
	fs.StringVar(&o.section, "section", btf.Section, "the section, e.g. "+btf.NonFIPS140Section)
	fs.StringVar(&o.pref, "prefix", "", "the symbol prefix, e.g. "+btf.NonFIPS140Prefix)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, usageError(stderr, "object: unexpected arguments: %q", fs.Args())
	}
	if o.in == "" || o.base == "" || o.out == "" || *arch == "" {
		return o, usageError(stderr, "object: -arch, -in, -base and -out are required")
	}
	var err error
	if o.arch, err = elf.ParseArch(*arch); err != nil {
		return o, usageError(stderr, "object: -arch: %v", err)
	}
	if err := btf.Object(o.arch, o.section, o.pref).Check(); err != nil {
		return o, usageError(stderr, "object: %v", err)
	}
	return o, nil
}

func runObject(o objectOptions) error {
	raw, baseArch, err := btf.ReadBTF(o.base)
	if err != nil {
		return err
	}
	if baseArch != 0 && baseArch != o.arch {
		return fmt.Errorf("%s: BTF base is for %v, not %v", o.base, baseArch, o.arch)
	}
	base, err := btf.Load(o.base, raw, nil)
	if err != nil {
		return err
	}
	blob, err := os.ReadFile(o.in)
	if err != nil {
		return err
	}
	if _, err := btf.Load(o.in, blob, base); err != nil {
		return err
	}
	return writeObject(o.out, btf.Object(o.arch, o.section, o.pref), blob)
}

func parseCompare(args []string, stderr io.Writer) (compareOptions, error) {
	var o compareOptions
	fs := flag.NewFlagSet("btfsplit compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.base, "base", "", "the base both blobs are split on (none: standalone BTF)")
	fs.StringVar(&o.base2, "base2", "", "the second blob's base, if not -base")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 2 {
		return o, usageError(stderr, "compare: want two BTF blobs, got %d arguments", fs.NArg())
	}
	if o.base2 != "" && o.base == "" {
		return o, usageError(stderr, "compare: -base2 needs -base")
	}
	o.a, o.b = fs.Arg(0), fs.Arg(1)
	return o, nil
}

func runCompare(o compareOptions, stdout, stderr io.Writer) int {
	d, err := compare(o)
	if err != nil {
		fmt.Fprintf(stderr, "btfsplit: %v\n", err)
		return exitError
	}
	d.Report(stdout)
	if d.Identical {
		return exitOK
	}
	return exitDiff
}

func compare(o compareOptions) (*btf.Diff, error) {
	var baseA, baseB *btf.Types
	var err error
	if o.base != "" {
		if baseA, err = btf.LoadBase(o.base); err != nil {
			return nil, err
		}
		baseB = baseA
	}
	if o.base2 != "" {
		if baseB, err = btf.LoadBase(o.base2); err != nil {
			return nil, err
		}
	}
	load := func(path string, base *btf.Types) (*btf.Types, []byte, error) {
		raw, _, err := btf.ReadBTF(path)
		if err != nil {
			return nil, nil, err
		}
		t, err := btf.Load(path, raw, base)
		return t, raw, err
	}
	a, rawA, err := load(o.a, baseA)
	if err != nil {
		return nil, err
	}
	b, rawB, err := load(o.b, baseB)
	if err != nil {
		return nil, err
	}
	return btf.Compare(a, b, rawA, rawB), nil
}

func parseVmlinux(args []string, stderr io.Writer) (vmlinuxOptions, error) {
	var o vmlinuxOptions
	fs := flag.NewFlagSet("btfsplit vmlinux", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var flags stringList
	toolFlags(fs, &o.splitter, &flags)
	fs.StringVar(&o.elf, "elf", "", "the vmlinux linked without BTF (link-vmlinux.sh's .tmp_vmlinux1); it is read, never changed")
	fs.StringVar(&o.btf, "btf", "", "also write vmlinux's raw .BTF here")
	fs.StringVar(&o.obj, "obj", "", "write the object that links the BTF into vmlinux as section .BTF here")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usageError(stderr, "vmlinux: unexpected arguments: %q", fs.Args())
	case o.elf == "" || o.obj == "" || o.splitter.Pahole == "" || o.splitter.ResolveBTFIDs == "":
		return o, usageError(stderr, "vmlinux: -elf, -obj, -pahole and -resolve-btfids are required")
	}
	if len(flags) > 0 {
		o.splitter.PaholeFlags = flags
	}
	return o, nil
}

func runVmlinux(o vmlinuxOptions, stderr io.Writer) error {
	o.splitter.Stderr = stderr
	r, err := o.splitter.EncodeVmlinux(o.elf)
	if err != nil {
		return err
	}
	if o.btf != "" {
		if err := atomicfile.WriteBytes(o.btf, r.BTF); err != nil {
			return err
		}
	}
	return writeObject(o.obj, btf.VmlinuxObject(r.Arch), r.BTF)
}

func parseCheck(args []string, stderr io.Writer) (checkOptions, error) {
	var o checkOptions
	fs := flag.NewFlagSet("btfsplit check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var flags stringList
	toolFlags(fs, &o.splitter, &flags)
	fs.StringVar(&o.firstBase, "first-base", "", "the first vmlinux link, which the embedded BTF was made against")
	fs.StringVar(&o.base, "base", "", "the relinked vmlinux, which embeds the BTF")
	fs.StringVar(&o.report, "report", "", "write the report here")
	fs.StringVar(&o.out, "o", "", "copy the relinked vmlinux here once the check passed")
	fs.BoolVar(&o.strict, "strict", false, "fail when a module's BTF differs after the relink, instead of warning")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.firstBase == "" || o.base == "" || o.report == "" || o.splitter.Pahole == "" || o.splitter.ResolveBTFIDs == "":
		return o, usageError(stderr, "check: -first-base, -base, -report, -pahole and -resolve-btfids are required")
	case fs.NArg() == 0 || fs.NArg()%3 != 0:
		return o, usageError(stderr, "check: want NAME MODULE BTF for each embedded module, got %d arguments", fs.NArg())
	}
	for a := fs.Args(); len(a) > 0; a = a[3:] {
		o.modules = append(o.modules, btf.RelinkModule{Name: a[0], Module: a[1], First: a[2]})
	}
	if len(flags) > 0 {
		o.splitter.PaholeFlags = flags
	}
	return o, nil
}

func runCheck(o checkOptions, stderr io.Writer) error {
	o.splitter.Stderr = stderr
	results, err := o.splitter.CheckRelink(o.firstBase, o.base, o.modules)
	if err != nil {
		return err
	}
	var report strings.Builder
	btf.ReportRelink(&report, results)
	if err := atomicfile.WriteBytes(o.report, []byte(report.String())); err != nil {
		return err
	}
	if btf.Differs(results) {
		if o.strict {
			return fmt.Errorf("%s: the module BTF made against the relinked vmlinux differs from the BTF it embeds:\n%s", o.base, report.String())
		}
		fmt.Fprintf(stderr, "btfsplit: warning: %s: the module BTF made against the relinked vmlinux differs from the BTF it embeds:\n%s", o.base, report.String())
	}
	if o.out == "" {
		return nil
	}
	return copyThrough(o.out, o.base)
}

// copyThrough copies the file at src to dst.
func copyThrough(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(dst, func(f *os.File) error {
		if _, err := io.Copy(f, in); err != nil {
			return fmt.Errorf("copying %s: %w", src, err)
		}
		return nil
	})
}
