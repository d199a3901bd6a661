// Command modload runs inside a test guest: it loads one kernel module with
// a single finit_module(2) call and reports the kernel's error.
//
//	modload FILE
//	modload -embedded fips140|nonfips140 -config /fips140.config
//
// busybox insmod retries a failed finit_module with init_module, so a
// module whose init fails runs its init twice; boot tests that expect a
// module to fail load it with this program instead.
//
// With -embedded it loads the module that the running vmlinux carries, as
// the seed's loader does: it finds the blob's bounds in /proc/kallsyms,
// reads the bytes through /proc/kcore, checks fips140's HMAC-SHA256 against
// the embedded digest with the key of the given .config (nonfips140 carries
// no digest), and loads the bytes with init_module(2).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"

	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/kcore"
)

type options struct {
	file     string
	embedded string // fips140 or nonfips140
	config   string
	kallsyms string
	kcore    string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	o := options{kallsyms: "/proc/kallsyms", kcore: "/proc/kcore"}
	fs := flag.NewFlagSet("modload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.embedded, "embedded", "", "load the module vmlinux embeds: fips140 or nonfips140")
	fs.StringVar(&o.config, "config", "", "with -embedded fips140: the .config holding the HMAC key")
	fs.StringVar(&o.kallsyms, "kallsyms", o.kallsyms, "the kernel's symbol list")
	fs.StringVar(&o.kcore, "kcore", o.kcore, "the kernel's memory as an ELF core file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.embedded == "" && fs.NArg() == 1:
		o.file = fs.Arg(0)
	case o.embedded == "fips140" && o.config == "", o.embedded != "" && fs.NArg() != 0:
		return o, fmt.Errorf("usage: modload -embedded fips140 -config .config")
	case o.embedded != "" && o.embedded != "fips140" && o.embedded != "nonfips140":
		return o, fmt.Errorf("-embedded %q: want fips140 or nonfips140", o.embedded)
	case o.embedded == "":
		return o, fmt.Errorf("usage: modload FILE")
	}
	return o, nil
}

func run(args []string, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "modload: %v\n", err)
		return 2
	}
	if o.file != "" {
		err = load(o.file)
	} else {
		err = loadEmbedded(o, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "modload: %s: %v\n", o.file+o.embedded, err)
		return 1
	}
	return 0
}

func load(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	params := []byte{0}
	_, _, errno := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(&params[0])), 0)
	if errno != 0 {
		return fmt.Errorf("finit_module: %w", errno)
	}
	return nil
}

// embeddedModule reads the embedded module, checked against its digest.
func embeddedModule(o options, stderr io.Writer) ([]byte, error) {
	bounds := []kcore.Bounds{kcore.Module, kcore.Digest}
	if o.embedded == "nonfips140" {
		bounds = []kcore.Bounds{kcore.NonFIPS}
	}
	var names []string
	for _, b := range bounds {
		names = append(names, b.Start, b.End)
	}
	ks, err := os.Open(o.kallsyms)
	if err != nil {
		return nil, err
	}
	defer ks.Close()
	syms, err := kcore.Symbols(o.kallsyms, ks, names...)
	if err != nil {
		return nil, err
	}
	kc, err := os.Open(o.kcore)
	if err != nil {
		return nil, err
	}
	defer kc.Close()
	mem, err := kcore.Open(o.kcore, kc)
	if err != nil {
		return nil, err
	}
	module, err := mem.Blob(syms, bounds[0])
	if err != nil {
		return nil, err
	}
	if o.embedded == "nonfips140" {
		fmt.Fprintf(stderr, "modload: nonfips140: %d bytes at %#x (no digest)\n", len(module), syms[bounds[0].Start])
		return module, nil
	}
	digest, err := mem.Blob(syms, kcore.Digest)
	if err != nil {
		return nil, err
	}
	key, err := integrity.KeyFromConfig(o.config, 1, nil)
	if err != nil {
		return nil, err
	}
	if err := kcore.CheckDigest(module, digest, key.Bytes); err != nil {
		return nil, fmt.Errorf("%w (key from %s)", err, key.Source)
	}
	fmt.Fprintf(stderr, "modload: fips140: %d bytes at %#x, HMAC-SHA256 %x matches\n", len(module), syms[kcore.Module.Start], digest)
	return module, nil
}

func loadEmbedded(o options, stderr io.Writer) error {
	module, err := embeddedModule(o, stderr)
	if err != nil {
		return err
	}
	params := []byte{0}
	_, _, errno := syscall.Syscall(sysInitModule, uintptr(unsafe.Pointer(&module[0])), uintptr(len(module)), uintptr(unsafe.Pointer(&params[0])))
	if errno != 0 {
		return fmt.Errorf("init_module: %w", errno)
	}
	return nil
}
