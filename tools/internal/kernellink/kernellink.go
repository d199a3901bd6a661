// Package kernellink links a real kernel's vmlinux as Linux 7.2's
// scripts/link-vmlinux.sh and scripts/Makefile.vmlinux do, with the fips140
// blobs placed in the kernel's own linker script where the seed puts them.
package kernellink

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"
	"github.com/rules-fips140/rules_fips140/tools/internal/link"
	"github.com/rules-fips140/rules_fips140/tools/internal/shellwords"
)

// Options is one vmlinux link.
type Options struct {
	LD, NM, CC, Objcopy string
	// CCFlags are the kernel's assembler flags (KBUILD_AFLAGS and the
	// include paths) for the kallsyms table's .S, with @SRC@ and @OBJ@ for
	// Headers' src/ and obj/ trees (kernel_build's headers).
	CCFlags []string
	Headers string
	// Kallsyms and Sorttable are the kernel's host programs; Mksysmap is
	// its scripts/mksysmap.
	Kallsyms, Sorttable, Mksysmap string
	// Config is the kernel's resolved .config; LinkCmd is kbuild's
	// .vmlinux.unstripped.cmd, which holds KBUILD_LDFLAGS and LDFLAGS_vmlinux.
	Config, LinkCmd string
	// LDS is the kernel's preprocessed vmlinux.lds; Anchor the output
	// section the blobs go right before (the first of a comma-separated
	// list that the script has); "" for the seed's (link.SeedAnchors).
	LDS, Anchor string
	// Objects are vmlinux.o, .vmlinux.export.o and init/version-timestamp.o.
	Objects []string
	// Embedded maps an embedded kind's flag (link.EmbeddedKinds) to its object.
	Embedded map[string]string
	// Out is vmlinux; Unstripped and SystemMap the files beside it; Image,
	// when set, arm64's boot image (arch/arm64/boot/Makefile's objcopy).
	Out, Unstripped, SystemMap, Image string
	// Work is a scratch directory, removed at the end.
	Work string
}

// Link runs the whole link.
func Link(o Options) error {
	cfg, err := kconfig.ParseFile(o.Config)
	if err != nil {
		return err
	}
	on := func(sym string) bool {
		e, ok := cfg.Lookup(sym)
		return ok && e.Kind == kconfig.Bare && e.Value == "y"
	}
	for _, sym := range []string{"DEBUG_INFO_BTF", "GENERIC_BUILTIN_DTB", "ARCH_WANTS_PRE_LINK_VMLINUX", "ARCH_VMLINUX_NEEDS_RELOCS", "LTO_CLANG"} {
		if on(sym) {
			return fmt.Errorf("%s: CONFIG_%s=y: the vmlinux link does not support it yet", o.Config, sym)
		}
	}
	ldflags, err := linkFlags(o.LinkCmd)
	if err != nil {
		return err
	}
	var kinds []link.Embedded
	for _, k := range link.EmbeddedKinds() {
		if o.Embedded[k.Flag] != "" {
			kinds = append(kinds, k)
		}
	}
	if err := os.RemoveAll(o.Work); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(o.Work)
	l := &linker{o: o, ldflags: ldflags}
	if l.abs, err = absAll(o); err != nil {
		return err
	}
	headers, err := filepath.Abs(o.Headers)
	if err != nil {
		return err
	}
	for _, f := range o.CCFlags {
		f = strings.ReplaceAll(f, "@SRC@", headers+"/src")
		l.ccflags = append(l.ccflags, strings.ReplaceAll(f, "@OBJ@", headers+"/obj"))
	}
	script, err := os.ReadFile(o.LDS)
	if err != nil {
		return err
	}
	anchor := o.Anchor
	if anchor == "" {
		arch, err := configArch(o.Config, on)
		if err != nil {
			return err
		}
		anchor = link.SeedAnchors(arch)
	}
	placed, err := link.InsertBefore(o.LDS, script, anchor, kinds)
	if err != nil {
		return err
	}
	if err := l.write("vmlinux.lds", placed); err != nil {
		return err
	}
	mksysmap, err := os.ReadFile(o.Mksysmap)
	if err != nil {
		return err
	}
	if l.filter, err = ParseSymbolFilter(o.Mksysmap, mksysmap); err != nil {
		return err
	}
	if on("KALLSYMS_ALL") {
		l.kallsymsArgs = append(l.kallsymsArgs, "--all-symbols")
	}
	if on("64BIT") || on("RELOCATABLE") {
		l.kallsymsArgs = append(l.kallsymsArgs, "--pc-relative")
	}

	// link-vmlinux.sh's kallsyms passes: an empty table, then tables of
	// .tmp_vmlinux1 and 2 (and 3 when the table's size changed).
	kallsymso, lastSyms := "", ""
	if on("KALLSYMS") {
		if err := l.write(".tmp_vmlinux0.syms", nil); err != nil {
			return err
		}
		if kallsymso, err = l.kallsyms(".tmp_vmlinux0.syms", ".tmp_vmlinux0.kallsyms"); err != nil {
			return err
		}
		sizes := []int64{}
		for pass := 1; pass <= 3; pass++ {
			tmp := fmt.Sprintf(".tmp_vmlinux%d", pass)
			if err := l.link(tmp, kallsymso, true); err != nil {
				return err
			}
			lastSyms = tmp + ".syms"
			if err := l.sysmap(tmp, lastSyms); err != nil {
				return err
			}
			if kallsymso, err = l.kallsyms(lastSyms, tmp+".kallsyms"); err != nil {
				return err
			}
			info, err := os.Stat(filepath.Join(o.Work, kallsymso))
			if err != nil {
				return err
			}
			sizes = append(sizes, info.Size())
			if pass == 2 && sizes[0] == sizes[1] {
				break
			}
		}
	}
	if err := l.link("vmlinux.unstripped", kallsymso, false); err != nil {
		return err
	}
	if err := l.sysmap("vmlinux.unstripped", "System.map"); err != nil {
		return err
	}
	if on("BUILDTIME_TABLE_SORT") {
		nm, err := l.output(o.NM, "-S", "vmlinux.unstripped")
		if err != nil {
			return err
		}
		if err := l.write(".tmp_vmlinux.nm-sort", nm); err != nil {
			return err
		}
		if _, err := l.output(l.abs[o.Sorttable], "-s", ".tmp_vmlinux.nm-sort", "vmlinux.unstripped"); err != nil {
			return fmt.Errorf("failed to sort kernel tables: %w", err)
		}
	}
	if lastSyms != "" {
		a, err := os.ReadFile(filepath.Join(o.Work, "System.map"))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(o.Work, lastSyms))
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			return fmt.Errorf("inconsistent kallsyms data: System.map of vmlinux differs from %s, the table linked in", lastSyms)
		}
	}
	// Makefile.vmlinux's strip_relocs: .modinfo out, device-table symbols out.
	if _, err := l.output(o.Objcopy, "--set-section-flags", ".modinfo=noload", "vmlinux.unstripped", "vmlinux"); err != nil {
		return err
	}
	if _, err := l.output(o.Objcopy, "--remove-section=.modinfo", "-w", "--strip-unneeded-symbol=__mod_device_table__*", "vmlinux"); err != nil {
		return err
	}
	if o.Image != "" {
		if _, err := l.output(o.Objcopy, "-O", "binary", "-R", ".note", "-R", ".note.gnu.build-id", "-R", ".comment", "-S", "vmlinux", "Image"); err != nil {
			return err
		}
	}
	for from, to := range map[string]string{"vmlinux": o.Out, "vmlinux.unstripped": o.Unstripped, "System.map": o.SystemMap, "Image": o.Image} {
		if to == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(o.Work, from))
		if err != nil {
			return err
		}
		if err := atomicfile.Produce(to, func(tmp string) error { return os.WriteFile(tmp, data, 0o755) }); err != nil {
			return err
		}
	}
	return nil
}

// configArch is the kernel's architecture, as its .config says.
func configArch(config string, on func(string) bool) (elf.Arch, error) {
	switch {
	case on("X86_64"):
		return elf.X86_64, nil
	case on("ARM64"):
		return elf.ARM64, nil
	}
	return 0, fmt.Errorf("%s: neither CONFIG_X86_64 nor CONFIG_ARM64 is set", config)
}

// linkFlags reads KBUILD_LDFLAGS and LDFLAGS_vmlinux from kbuild's
// `savedcmd_vmlinux.unstripped := scripts/link-vmlinux.sh "LD" "KBUILD_LDFLAGS" "LDFLAGS_vmlinux" "vmlinux.unstripped"; ...`.
func linkFlags(cmdFile string) ([]string, error) {
	data, err := os.ReadFile(cmdFile)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		cmd, ok := strings.CutPrefix(line, "savedcmd_vmlinux.unstripped := ")
		if !ok {
			continue
		}
		first, _, _ := strings.Cut(cmd, ";")
		words, err := shellwords.Split(first)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cmdFile, err)
		}
		if len(words) != 5 || filepath.Base(words[0]) != "link-vmlinux.sh" {
			return nil, fmt.Errorf("%s: want link-vmlinux.sh LD KBUILD_LDFLAGS LDFLAGS_vmlinux OUT, have %q", cmdFile, first)
		}
		return append(strings.Fields(words[2]), strings.Fields(words[3])...), nil
	}
	return nil, fmt.Errorf("%s: no savedcmd_vmlinux.unstripped line", cmdFile)
}

func absAll(o Options) (map[string]string, error) {
	abs := map[string]string{}
	paths := append([]string{o.LD, o.NM, o.CC, o.Objcopy, o.Kallsyms, o.Sorttable}, o.Objects...)
	for _, obj := range o.Embedded {
		paths = append(paths, obj)
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		abs[p] = a
	}
	return abs, nil
}

type linker struct {
	o            Options
	abs          map[string]string
	ldflags      []string
	kallsymsArgs []string
	ccflags      []string // CCFlags with the headers tree's absolute path
	filter       *SymbolFilter
}

func (l *linker) write(name string, data []byte) error {
	return os.WriteFile(filepath.Join(l.o.Work, name), data, 0o644)
}

// output runs a program in the work directory and returns its stdout.
func (l *linker) output(prog string, args ...string) ([]byte, error) {
	if a, ok := l.abs[prog]; ok {
		prog = a
	}
	cmd := exec.Command(prog, args...)
	cmd.Dir = l.o.Work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", filepath.Base(prog), strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// link is link-vmlinux.sh's vmlinux_link (vmlinux.o path: the objects are
// linked whole, as kbuild does with CONFIG_X86_KERNEL_IBT or LTO).
func (l *linker) link(out, kallsymso string, stripDebug bool) error {
	args := append([]string{}, l.ldflags...)
	args = append(args, "--script=vmlinux.lds")
	if stripDebug {
		args = append(args, "--strip-debug")
	}
	args = append(args, "-o", out, "--whole-archive")
	for _, obj := range l.o.Objects {
		args = append(args, l.abs[obj])
	}
	args = append(args, "--no-whole-archive", "--start-group", "--end-group")
	for _, k := range link.EmbeddedKinds() {
		if obj := l.o.Embedded[k.Flag]; obj != "" {
			args = append(args, l.abs[obj])
		}
	}
	if kallsymso != "" {
		args = append(args, kallsymso)
	}
	_, err := l.output(l.o.LD, args...)
	return err
}

// sysmap is mksysmap: nm -n, filtered.
func (l *linker) sysmap(vmlinux, out string) error {
	nm, err := l.output(l.o.NM, "-n", vmlinux)
	if err != nil {
		return err
	}
	return l.write(out, l.filter.Filter(nm))
}

// kallsyms makes the symbol table's object from a System.map-style list.
func (l *linker) kallsyms(syms, stem string) (string, error) {
	asm, err := l.output(l.o.Kallsyms, append(append([]string{}, l.kallsymsArgs...), syms)...)
	if err != nil {
		return "", err
	}
	if err := l.write(stem+".S", asm); err != nil {
		return "", err
	}
	args := append([]string{}, l.ccflags...)
	args = append(args, "-c", "-o", stem+".o", stem+".S")
	if _, err := l.output(l.o.CC, args...); err != nil {
		return "", err
	}
	return stem + ".o", nil
}
