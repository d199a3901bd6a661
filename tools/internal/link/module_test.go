package link

import (
	delf "debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// TestLinkKo links a .ko from objects made by the real compiler and checks
// it against the same link run by hand with scripts/Makefile.modfinal's
// command line: the bytes must be the same. It also checks the build ID
// and that module.lds applied.
func TestLinkKo(t *testing.T) {
	for _, arch := range elf.Arches() {
		t.Run(arch.String(), func(t *testing.T) {
			tc := findToolchain(t, arch)
			dir := t.TempDir()
			objs := []string{
				tc.compile(t, dir, "fips140", partSource("fips140", true, true)+
					"static const char __export_rec[] __attribute__((used, section(\".export_symbol\"))) = \"GPL\";\n"),
				tc.compile(t, dir, "fips140.mod", "extern int init_module(void);\n"+
					"struct module { const char *name; int (*init)(void); };\n"+
					"struct module __this_module __attribute__((section(\".gnu.linkonce.this_module\"))) = { \"fips140\", init_module };\n"+
					"static const char __name[] __attribute__((used, section(\".modinfo\"), aligned(1))) = \"name=fips140\";\n"),
				tc.compile(t, dir, "module-common", "static const char __vermagic[] __attribute__((used, section(\".modinfo\"), aligned(1))) = \"vermagic=7.2.13+deb14-amd64 SMP preempt mod_unload \";\n"),
			}
			lds, err := filepath.Abs("testdata/module.lds")
			if err != nil {
				t.Fatal(err)
			}
			var outs []string
			for _, sub := range []string{"one", "two"} {
				out := filepath.Join(dir, sub, "fips140.ko")
				if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
					t.Fatal(err)
				}
				m := Module{LD: Tool{Path: tc.ld}, ModuleLDS: lds, Objects: objs, Out: out}
				if warn, err := m.Link(); err != nil {
					t.Fatal(err)
				} else if warn != "" {
					t.Errorf("linker warnings: %s", warn)
				}
				assertNoTemps(t, filepath.Dir(out), "fips140.ko")
				outs = append(outs, out)
			}
			sameBytes(t, outs[0], outs[1])

			// kbuild's command: ld -r $(KBUILD_LDFLAGS) $(KBUILD_LDFLAGS_MODULE)
			// -T module.lds -o X.ko X.o X.mod.o .module-common.o
			ref := filepath.Join(dir, "ref.ko")
			args := append([]string{"-r"}, ArchFlags(arch)...)
			args = append(args, "--build-id=sha1", "-T", lds, "-o", ref)
			cmd := exec.Command(tc.ld, append(args, objs...)...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", cmd.Args, err, msg)
			}
			sameBytes(t, outs[0], ref)

			f, err := elf.Open(outs[0], elf.Want{Arch: arch, Type: delf.ET_REL})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if s := f.Section(".export_symbol"); s != nil {
				t.Error(".export_symbol survived: module.lds was not used")
			}
			id := f.Section(".note.gnu.build-id")
			if id == nil {
				t.Fatal("no .note.gnu.build-id")
			}
			if id.Size != 16+20 {
				t.Errorf("build ID note is %d bytes, want a 20-byte SHA-1 descriptor (36)", id.Size)
			}
			mi := f.Section(".modinfo")
			if mi == nil {
				t.Fatal("no .modinfo")
			}
			data, _ := mi.Data()
			for _, want := range []string{"license=GPL", "name=fips140", "vermagic=7.2.13"} {
				if !strings.Contains(string(data), want) {
					t.Errorf(".modinfo lacks %q", want)
				}
			}
		})
	}
}
