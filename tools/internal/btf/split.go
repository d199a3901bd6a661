package btf

import (
	"bytes"
	delf "debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
)

// DefaultPaholeFlags are the flags Linux 7.2's scripts/Makefile.btf gives
// pahole 1.31 and later (CONFIG_PAHOLE_VERSION >= 131) in a reproducible
// build (KBUILD_BUILD_TIMESTAMP set, no -jN in MAKEFLAGS) with
// CONFIG_PAHOLE_HAS_LANG_EXCLUDE=y, as Debian's 7.2.13 kernels are built.
// pahole ignores features it does not know (1.32 has no "layout").
var DefaultPaholeFlags = []string{
	"-j",
	"--btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs",
	"--btf_features=attributes",
	"--btf_features=layout",
	"-j",
	"--btf_features=+reproducible_build",
	"--lang_exclude=rust",
}

// The name the module's temporary copy gets. The tools name their outputs
// after it, as gen-btf.sh's ${ELF_FILE}.BTF.1, .BTF, .BTF.base, .BTF_ids.
const tmpModule = "module.ko"

// Splitter makes a module's BTF as gen-btf.sh does for a module in Linux
// 7.2, on a temporary copy of the module:
//
//	pahole -J FLAGS --btf_base BASE --btf_encode_detached=M.BTF.1 M
//	resolve_btfids [--distill_base] --btf_base BASE --btf M.BTF.1 M
//
// gen-btf.sh then adds M.BTF (and M.BTF.base) to the module with objcopy
// and patches M.BTF_ids into it; Splitter returns them instead and leaves
// the module's bytes as they were, which it checks.
type Splitter struct {
	Pahole        string   // path of pahole; never looked up on PATH
	PaholeFlags   []string // nil means DefaultPaholeFlags
	ResolveBTFIDs string   // path of resolve_btfids (tools/bpf/resolve_btfids)
	// Distill makes resolve_btfids distill the base into .BTF.base, as
	// kbuild does for external modules (KBUILD_EXTMOD). Without it the
	// BTF is split on the base itself, as for modules built with the
	// kernel; that is what the kernel reads from .fips140_btf.
	Distill bool
	// AllowBTFIDs accepts a module with a .BTF_ids section. The kernel
	// would patch resolved IDs into that section, which would change the
	// module; with AllowBTFIDs the IDs stay unpatched and Result.BTFIDs
	// holds what resolve_btfids computed.
	AllowBTFIDs bool
	TempDir     string    // where the copy goes; "" means os.TempDir()
	Stderr      io.Writer // gets the tools' output when they succeed; nil: discarded
}

// Result is a module's BTF.
type Result struct {
	BTF     []byte // the module's .BTF
	BTFBase []byte // the distilled .BTF.base, with Splitter.Distill
	BTFIDs  []byte // the .BTF_ids data, with Splitter.AllowBTFIDs, or nil
	Types   *Types // BTF decoded on its base (BTFBase, or the base file)
	Arch    elf.Arch
}

// Split makes the BTF of module (an ET_REL .ko with DWARF) on base (a
// vmlinux with .BTF for the same architecture).
func (s Splitter) Split(module, base string) (*Result, error) {
	if s.Pahole == "" || s.ResolveBTFIDs == "" {
		return nil, errors.New("the paths of pahole and resolve_btfids are required")
	}
	arch, err := checkModule(module)
	if err != nil {
		return nil, err
	}
	baseBlob, baseArch, err := ReadBTF(base)
	if err != nil {
		return nil, err
	}
	if baseArch == 0 {
		return nil, fmt.Errorf("%s: not an ELF file: pahole needs a vmlinux with .BTF as the base", base)
	}
	if baseArch != arch {
		return nil, fmt.Errorf("%s: BTF base is for %v, but module %s is for %v", base, baseArch, module, arch)
	}
	baseTypes, err := Load(base, baseBlob, nil)
	if err != nil {
		return nil, err
	}
	absBase, err := filepath.Abs(base)
	if err != nil {
		return nil, err
	}

	before, err := integrity.FileSHA256(module)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(s.TempDir, "btfsplit-")
	if err != nil {
		return nil, fmt.Errorf("making a directory for a copy of %s: %w", module, err)
	}
	defer os.RemoveAll(tmp)
	if err := copyFile(filepath.Join(tmp, tmpModule), module); err != nil {
		return nil, err
	}

	flags := s.PaholeFlags
	if flags == nil {
		flags = DefaultPaholeFlags
	}
	raw := tmpModule + ".BTF.1"
	pahole := append(append([]string{"-J"}, flags...), "--btf_base", absBase, "--btf_encode_detached="+raw, tmpModule)
	if err := s.run(tmp, module, s.Pahole, pahole); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(tmp, raw)); err != nil {
		return nil, fmt.Errorf("%s: pahole wrote no BTF (does the module have DWARF for its types?)", module)
	}
	var resolve []string
	if s.Distill {
		resolve = append(resolve, "--distill_base")
	}
	resolve = append(resolve, "--btf_base", absBase, "--btf", raw, tmpModule)
	if err := s.run(tmp, module, s.ResolveBTFIDs, resolve); err != nil {
		return nil, err
	}

	r := &Result{Arch: arch}
	read := func(suffix string) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(tmp, tmpModule+suffix))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return data, err
	}
	if r.BTF, err = read(".BTF"); err != nil {
		return nil, err
	}
	if r.BTF == nil {
		return nil, fmt.Errorf("%s: resolve_btfids wrote no .BTF", module)
	}
	if r.BTFBase, err = read(".BTF.base"); err != nil {
		return nil, err
	}
	if s.Distill && r.BTFBase == nil {
		return nil, fmt.Errorf("%s: resolve_btfids --distill_base wrote no .BTF.base", module)
	}
	if !s.Distill && r.BTFBase != nil {
		return nil, fmt.Errorf("%s: resolve_btfids wrote a .BTF.base without --distill_base", module)
	}
	if r.BTFIDs, err = read(".BTF_ids"); err != nil {
		return nil, err
	}
	if r.BTFIDs != nil && !s.AllowBTFIDs {
		return nil, fmt.Errorf("%s: the module has a .BTF_ids section, which the kernel's build patches with resolved BTF IDs; "+
			"that would change the module's bytes, so its IDs would stay unresolved (allow this explicitly to go on)", module)
	}

	after, err := integrity.FileSHA256(module)
	if err != nil {
		return nil, err
	}
	if after != before {
		return nil, fmt.Errorf("%s: the module changed while its BTF was made (sha256 %s before, %s after)", module, before, after)
	}

	on := baseTypes
	if r.BTFBase != nil {
		if on, err = Load(module+" .BTF.base", r.BTFBase, nil); err != nil {
			return nil, err
		}
	}
	if r.Types, err = Load(module+" .BTF", r.BTF, on); err != nil {
		return nil, err
	}
	return r, nil
}

// checkModule checks that path is a module pahole can read: an ET_REL
// object with DWARF.
func checkModule(path string) (elf.Arch, error) {
	f, err := elf.Open(path, elf.Want{Type: delf.ET_REL})
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if f.Section(".debug_info") == nil {
		return 0, &elf.Error{Path: path, Problem: "no .debug_info section: pahole makes BTF from DWARF (build the module with debug info)"}
	}
	return f.Arch, nil
}

// run runs tool in dir and fails with its output, naming the module. A
// relative tool path (as Bazel gives them) is taken from the current
// directory, not from dir.
func (s Splitter) run(dir, module, tool string, args []string) error {
	if strings.ContainsRune(tool, filepath.Separator) && !filepath.IsAbs(tool) {
		abs, err := filepath.Abs(tool)
		if err != nil {
			return err
		}
		tool = abs
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %s failed on a copy of it: %v\ncommand: %s\n%s",
			module, filepath.Base(tool), err, strings.Join(cmd.Args, " "), strings.TrimRight(out.String(), "\n"))
	}
	if s.Stderr != nil && out.Len() > 0 {
		fmt.Fprintf(s.Stderr, "%s (%s):\n%s", filepath.Base(tool), module, out.String())
	}
	return nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}
