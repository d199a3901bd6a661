package link

import (
	"fmt"
	"io"
	"os"
	"strings"

	delf "debug/elf"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// Objtool runs the kernel's objtool on a module object, as kbuild does on
// x86 kernels whose objtool pass is delayed to the linked object
// (CONFIG_X86_KERNEL_IBT or LTO): once on the linked module object, and on
// its .mod.o and .module-common.o. objtool rewrites its input in place, so
// Run copies In to a temporary file beside Out, runs objtool on the copy and
// renames it to Out: In is never changed and a failed run leaves no Out.
type Objtool struct {
	Objtool Tool
	Args    []string // the kernel's objtool-args, e.g. --orc --retpoline --link --module
	In, Out string
}

// CheckArgs rejects argument lists kbuild would not use on a linked module
// object: it passes --link and --module there.
func CheckArgs(args []string) error {
	have := map[string]bool{}
	for _, a := range args {
		have[a] = true
	}
	for _, want := range []string{"--link", "--module"} {
		if !have[want] {
			return fmt.Errorf("objtool arguments %q lack %s: only kernels whose objtool pass runs on linked module objects (CONFIG_X86_KERNEL_IBT or LTO_CLANG) are supported", strings.Join(args, " "), want)
		}
	}
	return nil
}

// Run checks the input, runs objtool on a copy and returns objtool's
// warnings, naming In rather than the copy.
func (o Objtool) Run() (warnings string, err error) {
	if err := CheckArgs(o.Args); err != nil {
		return "", err
	}
	f, err := elf.Open(o.In, elf.Want{Arch: elf.X86_64, Type: delf.ET_REL})
	if err != nil {
		return "", err
	}
	f.Close()
	err = atomicfile.Produce(o.Out, func(tmp string) error {
		if err := copyFile(o.In, tmp); err != nil {
			return err
		}
		warnings, err = o.Objtool.Run(append(append([]string{}, o.Args...), tmp))
		warnings = strings.ReplaceAll(warnings, tmp, o.In)
		if err != nil {
			if te, ok := err.(*ToolError); ok {
				te.Stderr = strings.ReplaceAll(te.Stderr, tmp, o.In)
				te.Args[len(te.Args)-1] = o.In
			}
			return err
		}
		g, err := elf.Open(tmp, elf.Want{Arch: elf.X86_64, Type: delf.ET_REL})
		if err != nil {
			return fmt.Errorf("objtool output: %w", err)
		}
		return g.Close()
	})
	return warnings, err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copying %s: %w", from, err)
	}
	return nil
}
