package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/link"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

func TestParseArgsErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "no verb"},
		{[]string{"relink"}, `unknown verb "relink"`},
		{[]string{"partial-link", "-ld", "ld", "a.a"}, "-o is required"},
		{[]string{"partial-link", "-o", "f.o", "a.a"}, "-ld is required"},
		{[]string{"partial-link", "-ld", "ld", "-o", "f.o"}, "an input archive is required"},
		{[]string{"link-ko", "-ld", "ld", "-o", "x.ko", "x.o"}, "-module-lds is required"},
		{[]string{"link-vmlinux", "-ld", "ld", "-o", "vmlinux"}, "input objects is required"},
		{[]string{"gen-main", "-o", "main.c"}, "renamed part objects is required"},
		{[]string{"script"}, "want initcalls or placement"},
		{[]string{"script", "vmlinux", "-o", "x.lds"}, `unknown kind "vmlinux"`},
		{[]string{"script", "placement", "-arch", "riscv", "-o", "x.lds"}, "-arch"},
		{[]string{"script", "placement", "-arch", "arm64", "-insert", "here", "-o", "x.lds"}, "bad insert point"},
		{[]string{"script", "initcalls", "-o", "x.lds", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseArgs(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseArgs(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"link-vmlinux", "-ld", "/tc/ld", "-fips140-ko", "ko.o", "-fips140-hmac", "hmac.o", "-btf",
		"-ldflag=--emit-relocs", "-ldflag=-z", "-ldflag=max-page-size=0x200000", "-kernel-lds", "vmlinux.lds", "-o", "vmlinux", "vmlinux.o"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	wantV := link.Vmlinux{
		LD: link.Tool{Path: "/tc/ld"}, KernelLDS: "vmlinux.lds", LDFlags: []string{"--emit-relocs", "-z", "max-page-size=0x200000"},
		Inputs: []string{"vmlinux.o"}, Embedded: map[string]string{"fips140-ko": "ko.o", "fips140-hmac": "hmac.o"}, BTF: true, Out: "vmlinux",
	}
	if diff := cmp.Diff(wantV, o.vmlinux); diff != "" {
		t.Errorf("link-vmlinux (-want +got):\n%s", diff)
	}
	got := strings.Join(wantV.Args(elf.X86_64, link.KindsFor(true, false), "placement.lds", "vmlinux"), " ")
	wantArgs := "-m elf_x86_64 -z noexecstack --no-warn-rwx-segments --build-id=sha1 --emit-relocs -z max-page-size=0x200000 " +
		"-T placement.lds -o vmlinux vmlinux.o ko.o hmac.o"
	if got != wantArgs {
		t.Errorf("link-vmlinux command line:\n got %s\nwant %s", got, wantArgs)
	}
}

// Seed-style parts alone: no renamed objects, only the initcall levels.
func TestRunGenMainInitcallsOnly(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fips140-main.c")
	o, err := parseArgs([]string{"gen-main", "-initcalls", "-o", out}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if rc := run(o, &stderr); rc != 0 {
		t.Fatalf("gen-main -initcalls with no objects: exit %d: %s", rc, stderr.String())
	}
	main, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(main, []byte("module_init(")) {
		t.Errorf("%s has no module_init:\n%s", out, main)
	}
}

// TestCommandLines pins the exact linker command lines of the three links.
func TestCommandLines(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  []string
		want string
	}{
		{"partial x86_64", link.Partial{Inputs: []string{"crypto-module.a"}}.Args(elf.X86_64, "initcalls.lds", "fips140.o"),
			"-r -m elf_x86_64 -z noexecstack --no-warn-rwx-segments --build-id=none -T initcalls.lds --whole-archive crypto-module.a --no-whole-archive -o fips140.o"},
		{"partial arm64", link.Partial{Inputs: []string{"crypto-module.a"}}.Args(elf.ARM64, "initcalls.lds", "fips140.o"),
			"-r -EL -maarch64elf -z noexecstack --no-warn-rwx-segments --build-id=none -T initcalls.lds --whole-archive crypto-module.a --no-whole-archive -o fips140.o"},
		{"composite x86_64", link.Partial{Composite: true, Inputs: []string{"a.o", "b.o"}}.Args(elf.X86_64, "", "name.o"),
			"-r -m elf_x86_64 -z noexecstack --no-warn-rwx-segments --build-id=none -o name.o a.o b.o"},
		{"composite x86_64 lld", link.Partial{LD: link.Tool{LLD: true}, Composite: true, Inputs: []string{"a.o"}}.Args(elf.X86_64, "", "name.o"),
			"-r -m elf_x86_64 -z noexecstack --build-id=none -o name.o a.o"},
		{"ko arm64", link.Module{ModuleLDS: "module.lds", Objects: []string{"fips140.o", "fips140.mod.o", ".module-common.o"}}.Args(elf.ARM64, "fips140.ko"),
			"-r -EL -maarch64elf -z noexecstack --no-warn-rwx-segments --build-id=sha1 -T module.lds -o fips140.ko fips140.o fips140.mod.o .module-common.o"},
		{"vmlinux arm64 dual", link.Vmlinux{Relocatable: true, Inputs: []string{"vmlinux.o"},
			Embedded: map[string]string{"fips140-ko": "ko.o", "fips140-hmac": "hmac.o", "nonfips140-ko": "nonko.o"}}.Args(elf.ARM64, link.KindsFor(true, true), "placement.lds", "vmlinux.o.new"),
			"-EL -maarch64elf -z noexecstack --no-warn-rwx-segments --build-id=sha1 -r -T placement.lds -o vmlinux.o.new vmlinux.o ko.o hmac.o nonko.o"},
	} {
		if got := strings.Join(tt.got, " "); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestRunScript(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "args")
	out := filepath.Join(dir, "placement.lds")
	if err := os.WriteFile(pf, []byte("placement\n-arch\nx86_64\n-o\n"+out+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args, err := paramfile.Expand([]string{"script", "@" + pf})
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseArgs(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if rc := run(o, &stderr); rc != 0 {
		t.Fatalf("run = %d: %s", rc, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := link.DefaultPlacement(elf.X86_64, link.KindsFor(false, false)).Script(); string(got) != want {
		t.Errorf("script placement wrote:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunFailure(t *testing.T) {
	dir := t.TempDir()
	o, err := parseArgs([]string{"partial-link", "-ld", "/nonexistent/ld", "-o", filepath.Join(dir, "fips140.o"), filepath.Join(dir, "missing.a")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if rc := run(o, &stderr); rc != 1 {
		t.Errorf("run = %d, want 1", rc)
	}
	if want := "ldwrap partial-link: " + filepath.Join(dir, "missing.a") + ": cannot open"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not contain %q", stderr.String(), want)
	}
}
