// Package link drives the kernel toolchain's GNU-compatible linker (and
// objcopy) for the three links that make and embed fips140.ko, always with
// the same deterministic flags, and generates what those links need: the
// initcall-level script of the partial link, the section-placement script
// of the vmlinux link, and the main C file that joins unmodified upstream
// module sources into one module.
//
// The linker and objcopy are always given as paths; nothing is looked up on
// PATH. They run with an empty environment apart from LC_ALL=C, so that
// their output and messages do not depend on the caller's.
//
// The command lines, for arch flags A (see ArchFlags):
//
//	partial: LD -r A --build-id=none -T initcalls.lds --whole-archive IN... --no-whole-archive -o fips140.o
//	module:  LD -r A --build-id=sha1 -T module.lds -o X.ko X.o X.mod.o .module-common.o
//	vmlinux: LD A --build-id=sha1 [-r] [LDFLAGS...] -T placement.lds [-T vmlinux.lds] -o OUT IN... EMBEDDED...
package link

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// ArchFlags are the flags every link for arch gets: 7.2's KBUILD_LDFLAGS
// for a GNU ld (CONFIG_LD_IS_BFD) build. arch/x86/Makefile adds
// `-m elf_x86_64`, arch/arm64/Makefile `-EL -maarch64elf` (little-endian),
// and the top Makefile `-z noexecstack --no-warn-rwx-segments` for every
// architecture.
func ArchFlags(arch elf.Arch) []string {
	var f []string
	switch arch {
	case elf.X86_64:
		f = []string{"-m", "elf_x86_64"}
	case elf.ARM64:
		f = []string{"-EL", "-maarch64elf"}
	default:
		panic(fmt.Sprintf("link: no flags for %v", arch))
	}
	return append(f, "-z", "noexecstack", "--no-warn-rwx-segments")
}

// Tool is an external program run by path.
type Tool struct {
	Path string
	// LLD marks ld.lld, which lacks GNU ld's --no-warn-rwx-segments (7.2's
	// Makefile adds that flag only where the linker has it).
	LLD bool
}

// archFlags are ArchFlags as the linker t takes them.
func (t Tool) archFlags(arch elf.Arch) []string {
	flags := ArchFlags(arch)
	if !t.LLD {
		return flags
	}
	var kept []string
	for _, f := range flags {
		if f != "--no-warn-rwx-segments" {
			kept = append(kept, f)
		}
	}
	return kept
}

// ToolError is a failed run of a tool. Its text holds the command line and
// the tool's stderr, in which GNU tools name the offending file.
type ToolError struct {
	Args   []string // the command line, Args[0] the tool
	Err    error    // from exec
	Stderr string
}

func (e *ToolError) Error() string {
	msg := fmt.Sprintf("%s failed (%v)", filepath.Base(e.Args[0]), e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ":\n" + s
	}
	return msg + "\ncommand: " + strings.Join(e.Args, " ")
}

func (e *ToolError) Unwrap() error { return e.Err }

// Run runs t with args. The returned stderr holds the tool's warnings when
// it succeeded; a failure is a *ToolError.
func (t Tool) Run(args []string) (stderr string, err error) {
	if t.Path == "" {
		return "", errors.New("no tool path given")
	}
	cmd := exec.Command(t.Path, args...)
	cmd.Env = toolEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		// Some tools report on stdout; keep both.
		return "", &ToolError{Args: cmd.Args, Err: err, Stderr: out.String() + errb.String()}
	}
	return out.String() + errb.String(), nil
}

// toolEnv is the whole environment a tool gets: a fixed locale, and TMPDIR
// (which does not change outputs) when the caller has one.
func toolEnv() []string {
	env := []string{"LC_ALL=C"}
	if d := os.Getenv("TMPDIR"); d != "" {
		env = append(env, "TMPDIR="+d)
	}
	return env
}

// withScript writes script to a temporary file next to out for the length
// of use.
func withScript(out, name, script string, use func(path string) error) error {
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+"."+name+".*.lds")
	if err != nil {
		return fmt.Errorf("writing %s script: %w", name, err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(script)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s script: %w", name, err)
	}
	return use(f.Name())
}
