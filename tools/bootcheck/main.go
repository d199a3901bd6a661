// Command bootcheck boots a kernel under qemu with a busybox initramfs that
// loads kernel modules, and judges what the kernel reports: every algorithm
// of the FIPS module passes its self-test, the other modules' algorithms show
// their own module, the kernel logs no WARNING, BUG or Oops, and rmmod leaves
// nothing registered.
//
//	bootcheck --arch x86_64 --qemu qemu-system-x86_64 --kernel vmlinuz \
//	    --busybox busybox --module fips140.ko --module blowfish.ko \
//	    --expect fips140:serpent --log serial.log
//
// With --scenario reject, the last module must fail to load (an earlier one
// registered one of its algorithms, or, alone, for the --expect-log reason)
// and leave nothing registered.
// --judge LOG judges a saved serial log without booting. Arguments may come
// from @paramfiles.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/boot"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

type options struct {
	arch, qemu, kernel, busybox string
	modload                     string
	modules                     []string
	scenario                    boot.Scenario
	fipsModule                  string
	expect                      []boot.ExpectedAlg
	preferred                   []boot.PreferredAlg
	minFIPSAlgs                 int
	log, initrd, judge          string
	memoryMB                    int
	kernelArgs                  []string
	embedded                    []string // modules vmlinux embeds, loaded after --module files
	embeddedConfig              string
	expectLog                   []string // lines the serial log must contain
	timeout                     time.Duration
}

type listFlag struct{ add func(string) error }

func (l listFlag) String() string     { return "" }
func (l listFlag) Set(s string) error { return l.add(s) }

func main() {
	args, err := paramfile.Expand(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "bootcheck: %v\n", err)
		os.Exit(2)
	}
	opts, err := parseArgs(args, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bootcheck: %v\n", err)
		os.Exit(2)
	}
	os.Exit(run(opts, os.Stdout))
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	o := options{scenario: boot.Load}
	fs := flag.NewFlagSet("bootcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.arch, "arch", "", "the kernel's architecture: x86_64 or arm64")
	fs.StringVar(&o.qemu, "qemu", "", "the qemu-system-* program (a path; PATH is not searched)")
	fs.StringVar(&o.kernel, "kernel", "", "the kernel image (vmlinuz)")
	fs.StringVar(&o.busybox, "busybox", "", "a static busybox for the guest")
	fs.StringVar(&o.modload, "modload", "", "a static program for the guest that loads one module file (`modload FILE`), used instead of busybox insmod")
	fs.Var(listFlag{func(s string) error { o.modules = append(o.modules, s); return nil }}, "module", "a module file to load, in order (repeatable)")
	fs.Func("scenario", "load (every module loads) or reject (the last one must fail)", func(s string) (err error) {
		o.scenario, err = boot.ParseScenario(s)
		return err
	})
	fs.StringVar(&o.fipsModule, "fips-module", "fips140", "the module whose algorithms are judged as the FIPS module's")
	fs.Var(listFlag{func(s string) error {
		e, err := boot.ParseExpectedAlg(s)
		o.expect = append(o.expect, e)
		return err
	}}, "expect", "MODULE:NAME: module MODULE must register an algorithm with this name or driver (repeatable)")
	fs.Var(listFlag{func(s string) error {
		p, err := boot.ParsePreferredAlg(s)
		o.preferred = append(o.preferred, p)
		return err
	}}, "expect-preferred", "NAME=DRIVER: DRIVER must have the highest priority among the implementations of NAME (repeatable)")
	fs.IntVar(&o.minFIPSAlgs, "min-fips-algs", 1, "with scenario load: at least this many algorithms of --fips-module")
	fs.StringVar(&o.log, "log", "", "where to write the serial console log")
	fs.StringVar(&o.initrd, "initrd", "", "where to write the initramfs (default: a temporary file)")
	fs.StringVar(&o.judge, "judge", "", "judge this saved serial log instead of booting")
	fs.Var(listFlag{func(s string) error {
		if s != "fips140" && s != "nonfips140" {
			return fmt.Errorf("want fips140 or nonfips140, not %q", s)
		}
		o.embedded = append(o.embedded, s)
		return nil
	}}, "embedded", "load a module the kernel embeds, fips140 or nonfips140, after the --module files: the guest reads it through /proc/kcore and checks fips140's HMAC (repeatable; needs --modload)")
	fs.StringVar(&o.embeddedConfig, "embedded-config", "", "with --embedded fips140: the .config holding the HMAC key the guest checks with")
	fs.Var(listFlag{func(s string) error { o.expectLog = append(o.expectLog, s); return nil }}, "expect-log", "TEXT: the serial log must contain this text, e.g. the reason a load failed (repeatable)")
	fs.IntVar(&o.memoryMB, "memory", 512, "the guest's memory in MiB")
	fs.Var(listFlag{func(s string) error { o.kernelArgs = append(o.kernelArgs, s); return nil }}, "kernel-arg", "a kernel command-line argument, e.g. preempt=full (repeatable)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long the guest may run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, e := range o.embedded {
		if o.modload == "" && o.judge == "" {
			return o, errors.New("--embedded needs --modload: the guest program that reads and loads the embedded module")
		}
		if e == "fips140" && o.embeddedConfig == "" && o.judge == "" {
			return o, errors.New("--embedded fips140 needs --embedded-config: the .config with the HMAC key")
		}
	}
	if n := len(o.modules) + len(o.embedded); o.scenario == boot.Reject && n == 0 {
		return o, errors.New("--scenario reject needs --module: the one that must fail, last")
	} else if o.scenario == boot.Reject && n == 1 && len(o.expectLog) == 0 {
		return o, errors.New("--scenario reject with one --module needs --expect-log: the kernel's reason for refusing it (with earlier modules, the reason is theirs: they register one of its algorithms)")
	}
	seen := map[string]bool{}
	for _, m := range o.modules {
		b := filepath.Base(m)
		if seen[b] {
			return o, fmt.Errorf("two --module files are named %s", b)
		}
		seen[b] = true
	}
	if o.judge != "" {
		return o, nil
	}
	for _, f := range []struct{ name, v string }{{"arch", o.arch}, {"qemu", o.qemu}, {"kernel", o.kernel}, {"busybox", o.busybox}, {"log", o.log}} {
		if f.v == "" {
			return o, fmt.Errorf("--%s is required", f.name)
		}
	}
	if o.timeout <= 0 || o.memoryMB <= 0 {
		return o, errors.New("--timeout and --memory must be positive")
	}
	return o, nil
}

func run(o options, stdout io.Writer) int {
	verdict, err := runErr(o, stdout)
	if err != nil {
		fmt.Fprintf(stdout, "bootcheck: FAIL: %v\n", err)
		return 1
	}
	report(stdout, o, verdict)
	if !verdict.OK() {
		return 1
	}
	return 0
}

func runErr(o options, stdout io.Writer) (*boot.Verdict, error) {
	files := make([]string, len(o.modules))
	for i, m := range o.modules {
		files[i] = filepath.Base(m)
	}
	for _, e := range o.embedded {
		files = append(files, boot.EmbeddedFile(e))
	}
	expect := boot.Expect{Scenario: o.scenario, Files: files, FIPSModule: o.fipsModule, Algs: o.expect, Preferred: o.preferred, MinFIPSAlgs: o.minFIPSAlgs}
	if o.judge != "" {
		serial, err := os.ReadFile(o.judge)
		if err != nil {
			return nil, err
		}
		return judgeLog(serial, expect, o.expectLog)
	}
	rd, err := initramfs(o, files)
	if err != nil {
		return nil, err
	}
	initrd := o.initrd
	if initrd == "" {
		dir, err := os.MkdirTemp("", "bootcheck-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		initrd = filepath.Join(dir, "initrd.gz")
	}
	if err := atomicfile.Write(initrd, func(f *os.File) error { return rd.Write(f) }); err != nil {
		return nil, fmt.Errorf("writing the initramfs %s: %w", initrd, err)
	}
	m := boot.Machine{Arch: o.arch, QEMU: o.qemu, Kernel: o.kernel, Initrd: initrd, MemoryMB: o.memoryMB, Timeout: o.timeout, KernelArgs: o.kernelArgs}
	var serial bytes.Buffer
	start := time.Now()
	runErr := m.Run(context.Background(), &serial)
	fmt.Fprintf(stdout, "bootcheck: %s guest ran %.1fs\n", o.arch, time.Since(start).Seconds())
	if err := atomicfile.WriteBytes(o.log, serial.Bytes()); err != nil {
		return nil, fmt.Errorf("writing the serial log: %w", err)
	}
	if runErr != nil {
		return nil, fmt.Errorf("%w; the serial log ends:\n%s", runErr, tail(serial.String(), 20))
	}
	return judgeLog(serial.Bytes(), expect, o.expectLog)
}

// judgeLog judges the boot and requires each of the texts in the log.
func judgeLog(serial []byte, e boot.Expect, texts []string) (*boot.Verdict, error) {
	v, err := judge(serial, e)
	if err != nil {
		return nil, err
	}
	for _, text := range texts {
		if strings.Contains(string(serial), text) {
			v.Notes = append(v.Notes, fmt.Sprintf("the serial log has %q", text))
		} else {
			v.Failures = append(v.Failures, fmt.Sprintf("the serial log lacks %q", text))
		}
	}
	return v, nil
}

func initramfs(o options, files []string) (boot.Initramfs, error) {
	var rd boot.Initramfs
	var err error
	if rd.Busybox, err = os.ReadFile(o.busybox); err != nil {
		return rd, err
	}
	insmod := "insmod"
	if o.modload != "" {
		data, err := os.ReadFile(o.modload)
		if err != nil {
			return rd, err
		}
		rd.Tools = append(rd.Tools, boot.GuestFile{Name: "modload", Data: data})
		insmod = "modload"
	}
	for i, m := range o.modules {
		data, err := os.ReadFile(m)
		if err != nil {
			return rd, err
		}
		rd.Modules = append(rd.Modules, boot.GuestFile{Name: files[i], Data: data})
	}
	commands := map[string]string{}
	for _, e := range o.embedded {
		commands[boot.EmbeddedFile(e)] = boot.EmbeddedLoad(e)
	}
	if o.embeddedConfig != "" {
		data, err := os.ReadFile(o.embeddedConfig)
		if err != nil {
			return rd, err
		}
		rd.Modules = append(rd.Modules, boot.GuestFile{Name: filepath.Base(boot.EmbeddedConfig), Data: data})
	}
	rd.Init = boot.InitScript(files, o.scenario, insmod, commands)
	return rd, nil
}

func judge(serial []byte, e boot.Expect) (*boot.Verdict, error) {
	l, err := boot.ParseSerial(string(serial))
	if err != nil {
		return nil, fmt.Errorf("%w; the serial log ends:\n%s", err, tail(string(serial), 20))
	}
	return boot.Judge(l, e), nil
}

func report(w io.Writer, o options, v *boot.Verdict) {
	what := fmt.Sprintf("%s %s [%s]", o.arch, o.scenario, strings.Join(o.modules, " "))
	for _, n := range v.Notes {
		fmt.Fprintf(w, "bootcheck: ok: %s\n", n)
	}
	if v.OK() {
		fmt.Fprintf(w, "bootcheck: PASS %s\n", what)
		return
	}
	for _, f := range v.Failures {
		fmt.Fprintf(w, "bootcheck: FAIL: %s\n", f)
	}
	fmt.Fprintf(w, "bootcheck: FAIL %s: %d problems\n", what, len(v.Failures))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r", ""), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
