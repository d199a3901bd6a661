package btf

import (
	"bytes"
	delf "debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ebtf "github.com/cilium/ebpf/btf"

	"github.com/rules-fips140/rules_fips140/tools/internal/btf/btftest"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// vmlinuxSetup is a vmlinux linked without BTF, and fake tools that write
// standalone BTF as resolve_btfids does for vmlinux.
type vmlinuxSetup struct {
	dir, vmlinux, log string
	btf               []byte
	splitter          Splitter
}

func newVmlinuxSetup(t *testing.T, data []byte, extraResolve string) *vmlinuxSetup {
	t.Helper()
	dir := t.TempDir()
	s := &vmlinuxSetup{dir: dir, log: filepath.Join(dir, "log"), btf: btftest.Marshal(t, btftest.ModuleTypes()...)}
	if data == nil {
		data = btftest.WithType(btftest.Object(t, elf.ARM64, ".debug_info", []byte("DWARF")), delf.ET_EXEC)
	}
	s.vmlinux = btftest.Write(t, dir, "tmp_vmlinux1", data)
	canned := btftest.Write(t, dir, "canned.BTF", s.btf)
	s.splitter = Splitter{
		Pahole: btftest.Script(t, dir, "pahole", `echo "pahole $*" >> `+s.log+`
for a; do case $a in --btf_encode_detached=*) echo raw > "${a#*=}";; esac; done
`),
		ResolveBTFIDs: btftest.Script(t, dir, "resolve_btfids", `echo "resolve_btfids $*" >> `+s.log+`
for a; do elf=$a; done
cp `+canned+` "$elf.BTF"
`+extraResolve),
		TempDir: dir,
	}
	return s
}

func TestEncodeVmlinux(t *testing.T) {
	s := newVmlinuxSetup(t, nil, "")
	before, err := os.ReadFile(s.vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.splitter.EncodeVmlinux(s.vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	// gen-btf.sh's vmlinux mode: no --btf_base, no --distill_base.
	log, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatal(err)
	}
	want := "pahole -J " + strings.Join(DefaultPaholeFlags, " ") + " --btf_encode_detached=vmlinux.BTF.1 vmlinux\n" +
		"resolve_btfids --btf vmlinux.BTF.1 vmlinux\n"
	if string(log) != want {
		t.Errorf("commands:\n%s\nwant:\n%s", log, want)
	}
	if !bytes.Equal(r.BTF, s.btf) || r.Arch != elf.ARM64 || r.Types.Count() != 9 {
		t.Errorf("BTF %d bytes (want %d), arch %v, %d types", len(r.BTF), len(s.btf), r.Arch, r.Types.Count())
	}
	if after, _ := os.ReadFile(s.vmlinux); !bytes.Equal(after, before) {
		t.Error("the vmlinux changed")
	}
	if m, _ := filepath.Glob(filepath.Join(s.dir, "btfsplit-*")); len(m) > 0 {
		t.Errorf("temporary files left: %q", m)
	}

	// The object links the BTF in as .BTF, allocated and read-only.
	obj, err := VmlinuxObject(r.Arch).Bytes(r.BTF)
	if err != nil {
		t.Fatal(err)
	}
	f, err := delf.NewFile(bytes.NewReader(obj))
	if err != nil {
		t.Fatal(err)
	}
	sec := f.Section(".BTF")
	if sec == nil || sec.Flags != delf.SHF_ALLOC || sec.Type != delf.SHT_PROGBITS {
		t.Fatalf(".BTF section: %+v", sec)
	}
	if data, _ := sec.Data(); !bytes.Equal(data, r.BTF) {
		t.Error(".BTF does not hold the BTF")
	}
}

func TestEncodeVmlinuxBad(t *testing.T) {
	debug := btftest.Object(t, elf.X86_64, ".debug_info", []byte("DWARF"))
	for _, tc := range []struct {
		name    string
		data    []byte
		resolve string
		want    string
	}{
		{"no DWARF", btftest.Object(t, elf.X86_64, ".text", []byte{0x90}), "", "no .debug_info section"},
		{"has BTF", btftest.Object(t, elf.X86_64, ".BTF", btftest.EmptyBase(t)), "", "already has a .BTF section"},
		{"shared object", btftest.WithType(debug, delf.ET_DYN), "", "want a linked vmlinux"},
		{"not ELF", []byte("hello"), "", "tmp_vmlinux1"},
		{"BTF_ids", debug, `echo ids > "$elf.BTF_ids"` + "\n", "resolve_btfids --patch_btfids"},
		{"resolve fails", debug, "exit 3\n", "resolve_btfids failed on a copy of it: exit status 3"},
		{"bad BTF", debug, `echo junk > "$elf.BTF"` + "\n", "not valid BTF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newVmlinuxSetup(t, tc.data, tc.resolve)
			_, err := s.splitter.EncodeVmlinux(s.vmlinux)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "tmp_vmlinux1") {
				t.Errorf("error %v, want one naming tmp_vmlinux1 with %q", err, tc.want)
			}
		})
	}
	if _, err := (Splitter{}).EncodeVmlinux("x"); err == nil {
		t.Error("no error without tools")
	}
}

func TestCheckRelink(t *testing.T) {
	other := btftest.SplitOnEmpty(t, btftest.Marshal(t, &ebtf.Int{Name: "long", Size: 8, Encoding: ebtf.Signed}))
	for _, tc := range []struct {
		name     string
		embedded []byte
		differs  bool
		report   []string
	}{
		{"identical", btftest.Module(t), false, []string{"fips140: module BTF identical after the relink"}},
		{"differs", other, true, []string{"fips140: Module BTF differs after the relink", "BTF differs: first at type 0 of 1 and 9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, "", "")
			first := btftest.Write(t, s.dir, "first.btf", tc.embedded)
			results, err := s.splitter.CheckRelink(s.base, s.base, []RelinkModule{{Name: "fips140", Module: s.module, First: first}})
			if err != nil {
				t.Fatal(err)
			}
			if Differs(results) != tc.differs {
				t.Errorf("Differs = %v, want %v", !tc.differs, tc.differs)
			}
			var b strings.Builder
			ReportRelink(&b, results)
			for _, w := range tc.report {
				if !strings.Contains(b.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestCheckRelinkBad(t *testing.T) {
	s := newSetup(t, "", "")
	junk := btftest.Write(t, s.dir, "junk.btf", []byte("junk"))
	for _, tc := range []struct {
		name  string
		first string
		mod   RelinkModule
		want  string
	}{
		{"first base without BTF", s.module, RelinkModule{"fips140", s.module, junk}, "no .BTF section"},
		{"missing blob", s.base, RelinkModule{"fips140", s.module, filepath.Join(s.dir, "none")}, "reading the embedded BTF of fips140"},
		{"bad blob", s.base, RelinkModule{"fips140", s.module, junk}, "junk.btf: not valid BTF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.splitter.CheckRelink(tc.first, s.base, []RelinkModule{tc.mod})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
