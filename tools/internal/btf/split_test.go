package btf

import (
	"bytes"
	"crypto/sha256"
	delf "debug/elf"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/btf/btftest"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	goldenfile "github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got, *update)
}

// The fake tools' default behaviour: log their arguments, then write what
// the real tools write. @LOG@, @RAW@, @BTF@, @BASE@ and @IDS@ are replaced
// with paths.
const (
	fakePahole = `echo "pahole $*" >> @LOG@
for a; do case $a in --btf_encode_detached=*) cp @RAW@ "${a#*=}";; esac; done
`
	fakeResolve = `echo "resolve_btfids $*" >> @LOG@
for a; do elf=$a; done
cp @BTF@ "$elf.BTF"
for a; do [ "$a" = --distill_base ] && cp @BASE@ "$elf.BTF.base"; done
exit 0
`
)

// setup is one splitting job with fake tools.
type setup struct {
	dir, module, base, log string
	splitter               Splitter
}

// newSetup writes a synthetic x86_64 module and base, and fake tools whose
// scripts are pahole and resolve (the fake defaults when "").
func newSetup(t *testing.T, pahole, resolve string) *setup {
	t.Helper()
	dir := t.TempDir()
	s := &setup{dir: dir, log: filepath.Join(dir, "log")}
	s.module = btftest.Write(t, dir, "fips140.ko", btftest.Object(t, elf.X86_64, ".debug_info", []byte("DWARF")))
	s.base = btftest.Write(t, dir, "vmlinux", btftest.Object(t, elf.X86_64, ".BTF", btftest.EmptyBase(t)))
	canned := map[string]string{
		"@LOG@":  s.log,
		"@RAW@":  btftest.Write(t, dir, "canned.BTF.1", []byte("pahole output")),
		"@BTF@":  btftest.Write(t, dir, "canned.BTF", btftest.Module(t)),
		"@BASE@": btftest.Write(t, dir, "canned.BTF.base", btftest.EmptyBase(t)),
		"@IDS@":  btftest.Write(t, dir, "canned.BTF_ids", []byte("ids")),
		"@MOD@":  s.module,
	}
	expand := func(body, def string) string {
		if body == "" {
			body = def
		}
		for k, v := range canned {
			body = strings.ReplaceAll(body, k, v)
		}
		return body
	}
	s.splitter = Splitter{
		Pahole:        btftest.Script(t, dir, "pahole", expand(pahole, fakePahole)),
		ResolveBTFIDs: btftest.Script(t, dir, "resolve_btfids", expand(resolve, fakeResolve)),
		TempDir:       dir,
	}
	return s
}

// commands returns the fake tools' log with the base's path made BASE.
func (s *setup) commands(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(s.log)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), s.base, "BASE")
}

func TestSplitCommands(t *testing.T) {
	for _, tc := range []struct {
		name    string
		distill bool
	}{{"plain", false}, {"distill", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, "", "")
			s.splitter.Distill = tc.distill
			r, err := s.splitter.Split(s.module, s.base)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "split/"+tc.name+".cmd", []byte(s.commands(t)))
			if !bytes.Equal(r.BTF, btftest.Module(t)) {
				t.Error("Result.BTF is not what resolve_btfids wrote")
			}
			if tc.distill != (r.BTFBase != nil) {
				t.Errorf("Result.BTFBase = %q with Distill %v", r.BTFBase, tc.distill)
			}
			if r.Arch != elf.X86_64 || r.Types.Count() != 9 {
				t.Errorf("Arch %v, %d types; want x86_64, 9", r.Arch, r.Types.Count())
			}
			if r.Types.TypeByName("fips140_btftest_state") == nil {
				t.Error("the struct is missing from Result.Types")
			}
			// Nothing is left behind in TempDir.
			if m, _ := filepath.Glob(filepath.Join(s.dir, "btfsplit-*")); len(m) > 0 {
				t.Errorf("temporary files left: %q", m)
			}
		})
	}
}

func TestSplitDefaultFlags(t *testing.T) {
	s := newSetup(t, "", "")
	s.splitter.PaholeFlags = []string{"--custom"}
	if _, err := s.splitter.Split(s.module, s.base); err != nil {
		t.Fatal(err)
	}
	if got := s.commands(t); !strings.HasPrefix(got, "pahole -J --custom --btf_base BASE ") {
		t.Errorf("PaholeFlags not used: %s", got)
	}
}

// TestSplitToolFailures covers tools that fail or misbehave: each error
// must name the module and carry what the tool said.
func TestSplitToolFailures(t *testing.T) {
	for _, tc := range []struct {
		name, pahole, resolve string
		allowIDs              bool
		want                  []string
	}{
		{
			name:   "pahole fails",
			pahole: "echo 'pahole: bad DWARF in CU 7' >&2; exit 3\n",
			want:   []string{"fips140.ko: pahole failed on a copy of it: exit status 3", "command: ", "--btf_encode_detached=module.ko.BTF.1 module.ko", "pahole: bad DWARF in CU 7"},
		},
		{
			name:   "pahole writes nothing",
			pahole: "exit 0\n",
			want:   []string{"fips140.ko: pahole wrote no BTF"},
		},
		{
			name:    "resolve_btfids fails",
			resolve: "echo 'FAILED: load BTF from module.ko.BTF.1' >&2; exit 255\n",
			want:    []string{"fips140.ko: resolve_btfids failed on a copy of it: exit status 255", "FAILED: load BTF from module.ko.BTF.1"},
		},
		{
			name:    "resolve_btfids writes nothing",
			resolve: "exit 0\n",
			want:    []string{"fips140.ko: resolve_btfids wrote no .BTF"},
		},
		{
			name:    "resolve_btfids writes bad BTF",
			resolve: "for a; do elf=$a; done; echo garbage > $elf.BTF\n",
			want:    []string{"fips140.ko .BTF: not valid BTF on base ", "vmlinux"},
		},
		{
			name:    "unexpected .BTF.base",
			resolve: "for a; do elf=$a; done; cp @BTF@ $elf.BTF; cp @BASE@ $elf.BTF.base\n",
			want:    []string{"fips140.ko: resolve_btfids wrote a .BTF.base without --distill_base"},
		},
		{
			name:    ".BTF_ids",
			resolve: "for a; do elf=$a; done; cp @BTF@ $elf.BTF; cp @IDS@ $elf.BTF_ids\n",
			want:    []string{"fips140.ko: the module has a .BTF_ids section", "change the module's bytes"},
		},
		{
			name:   "tool changes the module",
			pahole: fakePahole + "echo more >> @MOD@\n",
			want:   []string{"fips140.ko: the module changed while its BTF was made (sha256 ", " before, ", " after)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, tc.pahole, tc.resolve)
			_, err := s.splitter.Split(s.module, s.base)
			if err == nil {
				t.Fatal("Split succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestSplitAllowBTFIDs(t *testing.T) {
	s := newSetup(t, "", "for a; do elf=$a; done; cp @BTF@ $elf.BTF; cp @IDS@ $elf.BTF_ids\n")
	s.splitter.AllowBTFIDs = true
	r, err := s.splitter.Split(s.module, s.base)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.BTFIDs) != "ids" {
		t.Errorf("BTFIDs = %q, want the file resolve_btfids wrote", r.BTFIDs)
	}
}

// TestSplitBadInput: inputs refused before any tool runs.
func TestSplitBadInput(t *testing.T) {
	mod := func(t *testing.T, arch elf.Arch) []byte {
		return btftest.Object(t, arch, ".debug_info", []byte("DWARF"))
	}
	base := func(t *testing.T, arch elf.Arch) []byte {
		return btftest.Object(t, arch, ".BTF", btftest.EmptyBase(t))
	}
	for _, tc := range []struct {
		name         string
		module, base func(t *testing.T) []byte // nil: the file is missing
		want         []string
	}{
		{
			name: "module missing",
			base: func(t *testing.T) []byte { return base(t, elf.X86_64) },
			want: []string{"fips140.ko: cannot open: no such file or directory"},
		},
		{
			name:   "module truncated",
			module: func(t *testing.T) []byte { return mod(t, elf.X86_64)[:40] },
			base:   func(t *testing.T) []byte { return base(t, elf.X86_64) },
			want:   []string{"fips140.ko: truncated ELF header: 40 bytes, want 64"},
		},
		{
			name: "module not ELF",
			module: func(t *testing.T) []byte {
				return []byte("#!/bin/sh\necho not a module, long enough for a header........\n")
			},
			base: func(t *testing.T) []byte { return base(t, elf.X86_64) },
			want: []string{"fips140.ko: not an ELF file"},
		},
		{
			name:   "module not ET_REL",
			module: func(t *testing.T) []byte { return btftest.WithType(mod(t, elf.X86_64), delf.ET_EXEC) },
			base:   func(t *testing.T) []byte { return base(t, elf.X86_64) },
			want:   []string{"fips140.ko: ELF type ET_EXEC, want ET_REL"},
		},
		{
			name:   "module without DWARF",
			module: func(t *testing.T) []byte { return btftest.Object(t, elf.X86_64, ".text", []byte{0xc3}) },
			base:   func(t *testing.T) []byte { return base(t, elf.X86_64) },
			want:   []string{"fips140.ko: no .debug_info section"},
		},
		{
			name:   "base missing",
			module: func(t *testing.T) []byte { return mod(t, elf.X86_64) },
			want:   []string{"vmlinux: cannot read BTF: no such file or directory"},
		},
		{
			name:   "base without .BTF",
			module: func(t *testing.T) []byte { return mod(t, elf.X86_64) },
			base: func(t *testing.T) []byte {
				return btftest.WithType(btftest.Object(t, elf.X86_64, ".data", []byte("x")), delf.ET_EXEC)
			},
			want: []string{"vmlinux: no .BTF section"},
		},
		{
			name:   "base with bad .BTF",
			module: func(t *testing.T) []byte { return mod(t, elf.X86_64) },
			base: func(t *testing.T) []byte {
				return btftest.Object(t, elf.X86_64, ".BTF", []byte("not BTF at all, not at all"))
			},
			want: []string{"vmlinux: not valid BTF"},
		},
		{
			name:   "base raw BTF",
			module: func(t *testing.T) []byte { return mod(t, elf.X86_64) },
			base:   func(t *testing.T) []byte { return btftest.EmptyBase(t) },
			want:   []string{"vmlinux: not an ELF file: pahole needs a vmlinux"},
		},
		{
			name:   "wrong machine",
			module: func(t *testing.T) []byte { return mod(t, elf.ARM64) },
			base:   func(t *testing.T) []byte { return base(t, elf.X86_64) },
			want:   []string{"vmlinux: BTF base is for x86_64, but module ", "fips140.ko is for arm64"},
		},
		{
			name:   "base not little-endian x86_64 or arm64",
			module: func(t *testing.T) []byte { return mod(t, elf.X86_64) },
			base: func(t *testing.T) []byte {
				b := base(t, elf.X86_64)
				b[18] = byte(delf.EM_RISCV)
				return b
			},
			want: []string{"vmlinux: unsupported machine EM_RISCV"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, "echo pahole ran >> @LOG@; exit 1\n", "echo resolve_btfids ran >> @LOG@; exit 1\n")
			for _, f := range []struct {
				path string
				make func(*testing.T) []byte
			}{{s.module, tc.module}, {s.base, tc.base}} {
				os.Remove(f.path)
				if f.make != nil {
					btftest.Write(t, s.dir, filepath.Base(f.path), f.make(t))
				}
			}
			var sumBefore [32]byte
			if data, err := os.ReadFile(s.module); err == nil {
				sumBefore = sha256.Sum256(data)
			}
			_, err := s.splitter.Split(s.module, s.base)
			if err == nil {
				t.Fatal("Split succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if log := s.commands(t); log != "" {
				t.Errorf("tools ran on bad input: %s", log)
			}
			if data, err := os.ReadFile(s.module); err == nil && sha256.Sum256(data) != sumBefore {
				t.Error("the module changed")
			}
		})
	}
}

func TestSplitMissingTools(t *testing.T) {
	s := newSetup(t, "", "")
	s.splitter.Pahole = filepath.Join(s.dir, "no-pahole")
	_, err := s.splitter.Split(s.module, s.base)
	if err == nil || !strings.Contains(err.Error(), "no-pahole") {
		t.Errorf("error %v, want one naming the missing pahole", err)
	}
	s.splitter.Pahole = ""
	if _, err := s.splitter.Split(s.module, s.base); err == nil {
		t.Error("Split without a pahole path succeeded")
	}
}
