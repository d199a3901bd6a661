package btf

import (
	delf "debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// VmlinuxSection is the section vmlinux's own BTF is linked in as.
const VmlinuxSection = ".BTF"

// VmlinuxObjectName names the _binary_ symbols of the object that carries
// vmlinux's BTF: _binary_vmlinux_BTF_start, _end and _size. (gen-btf.sh's
// object has no symbols; the kernel's vmlinux.lds defines __start_BTF and
// __stop_BTF around it, which these names do not clash with.)
const VmlinuxObjectName = "vmlinux.BTF"

// VmlinuxObject describes the relocatable object that links vmlinux's BTF
// in: the blob in section .BTF, allocated and read-only, as gen-btf.sh's
// `objcopy --set-section-flags .BTF=alloc,readonly` makes it.
func VmlinuxObject(arch elf.Arch) elf.Blob {
	return elf.Blob{Arch: arch, Name: VmlinuxObjectName, Section: VmlinuxSection, Flags: "alloc,readonly,contents"}
}

// The name vmlinux's temporary copy gets (gen-btf.sh's ${ELF_FILE}).
const tmpVmlinux = "vmlinux"

// EncodeVmlinux makes the BTF of a vmlinux that was linked without any, as
// Linux 7.2's gen-btf.sh does without --btf_base (link-vmlinux.sh runs it
// on its first link, .tmp_vmlinux1), on a temporary copy:
//
//	pahole -J FLAGS --btf_encode_detached=V.BTF.1 V
//	resolve_btfids --btf V.BTF.1 V
//
// and returns the .BTF resolve_btfids writes, which link-vmlinux.sh links
// into the next vmlinux as section .BTF. Distill and AllowBTFIDs do not
// apply: a vmlinux whose .BTF_ids would need patching is refused.
func (s Splitter) EncodeVmlinux(path string) (*Result, error) {
	if s.Pahole == "" || s.ResolveBTFIDs == "" {
		return nil, errors.New("the paths of pahole and resolve_btfids are required")
	}
	arch, err := checkVmlinux(path)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(s.TempDir, "btfsplit-")
	if err != nil {
		return nil, fmt.Errorf("making a directory for a copy of %s: %w", path, err)
	}
	defer os.RemoveAll(tmp)
	if err := copyFile(filepath.Join(tmp, tmpVmlinux), path); err != nil {
		return nil, err
	}
	flags := s.PaholeFlags
	if flags == nil {
		flags = DefaultPaholeFlags
	}
	raw := tmpVmlinux + ".BTF.1"
	pahole := append(append([]string{"-J"}, flags...), "--btf_encode_detached="+raw, tmpVmlinux)
	if err := s.run(tmp, path, s.Pahole, pahole); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(tmp, raw)); err != nil {
		return nil, fmt.Errorf("%s: pahole wrote no BTF (do its objects have DWARF? compile them with -g)", path)
	}
	if err := s.run(tmp, path, s.ResolveBTFIDs, []string{"--btf", raw, tmpVmlinux}); err != nil {
		return nil, err
	}
	read := func(suffix string) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(tmp, tmpVmlinux+suffix))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return data, err
	}
	r := &Result{Arch: arch}
	if r.BTF, err = read(".BTF"); err != nil {
		return nil, err
	}
	if r.BTF == nil {
		return nil, fmt.Errorf("%s: resolve_btfids wrote no .BTF", path)
	}
	if r.BTFIDs, err = read(".BTF_ids"); err != nil {
		return nil, err
	}
	if r.BTFIDs != nil {
		return nil, fmt.Errorf("%s: vmlinux has a .BTF_ids section, which link-vmlinux.sh patches into the final vmlinux "+
			"(resolve_btfids --patch_btfids); that step is not supported", path)
	}
	if r.Types, err = Load(path+" .BTF", r.BTF, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// checkVmlinux checks that path is a vmlinux pahole can encode: an ELF file
// with DWARF and no .BTF yet.
func checkVmlinux(path string) (elf.Arch, error) {
	f, err := elf.Open(path, elf.Want{})
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if f.Type != delf.ET_EXEC && f.Type != delf.ET_REL {
		return 0, &elf.Error{Path: path, Problem: fmt.Sprintf("is %v, want a linked vmlinux (ET_EXEC) or a relocatable", f.Type)}
	}
	if f.Section(VmlinuxSection) != nil {
		return 0, &elf.Error{Path: path, Problem: "already has a .BTF section: vmlinux's BTF is made from a link without one (are the BTF objects among its inputs?)"}
	}
	if f.Section(".debug_info") == nil {
		return 0, &elf.Error{Path: path, Problem: "no .debug_info section: pahole makes BTF from DWARF (compile vmlinux's objects with -g)"}
	}
	return f.Arch, nil
}
