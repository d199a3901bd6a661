package link

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	delf "debug/elf"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// The objtool arguments Debian's 7.2 amd64 kernel gives module objects.
var debianObjtoolArgs = strings.Fields("--hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --prefix=16 --orc --retpoline --rethunk --sls --static-call --uaccess --link --module")

func findObjtool(t *testing.T) Tool {
	t.Helper()
	p := realtool.Runfile(os.Getenv("FIPS140_TEST_OBJTOOL"))
	if p == "" {
		testskip.Skipf(t, "no objtool: set FIPS140_TEST_OBJTOOL to linux-kbuild-7.2's tools/objtool/objtool.real-x86")
	}
	return Tool{Path: p}
}

func TestObjtool(t *testing.T) {
	objtool := findObjtool(t)
	tc := findToolchain(t, elf.X86_64)
	dir := t.TempDir()
	in := tc.compile(t, dir, "part", "int helper(int);\nint f(int a) { return helper(a) + 1; }\n",
		"-mfunction-return=thunk-extern", "-mindirect-branch=thunk-extern", "-fcf-protection=branch")
	before, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out", "part.o")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := (Objtool{Objtool: objtool, Args: debianObjtoolArgs, In: in, Out: out}).Run(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("objtool changed its input %s", in)
	}
	f, err := elf.Open(out, elf.Want{Arch: elf.X86_64, Type: delf.ET_REL})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// --orc writes the unwind tables, --rethunk the return sites.
	for _, name := range []string{".orc_unwind", ".orc_unwind_ip", ".return_sites"} {
		if f.Section(name) == nil {
			t.Errorf("%s: no %s section after objtool", out, name)
		}
	}
	assertNoTemps(t, filepath.Dir(out), "part.o")

	// The same object again: objtool must be deterministic.
	again := filepath.Join(dir, "out", "again.o")
	if _, err := (Objtool{Objtool: objtool, Args: debianObjtoolArgs, In: in, Out: again}).Run(); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Errorf("two objtool runs on %s differ", in)
	}
}

func TestObjtoolBadInput(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "notelf.o")
	if err := os.WriteFile(notELF, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.o")
	for _, tc := range []struct {
		name string
		o    Objtool
		want string
	}{
		{"no --link", Objtool{Objtool: Tool{Path: "/nonexistent"}, Args: []string{"--orc", "--module"}, In: notELF, Out: out}, "lack --link"},
		{"no --module", Objtool{Objtool: Tool{Path: "/nonexistent"}, Args: []string{"--orc", "--link"}, In: notELF, Out: out}, "lack --module"},
		{"not ELF", Objtool{Objtool: Tool{Path: "/nonexistent"}, Args: debianObjtoolArgs, In: notELF, Out: out}, notELF},
		{"missing", Objtool{Objtool: Tool{Path: "/nonexistent"}, Args: debianObjtoolArgs, In: filepath.Join(dir, "missing.o"), Out: out}, "missing.o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.o.Run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			assertNoTemps(t, dir, "notelf.o")
		})
	}
}

func TestObjtoolFailure(t *testing.T) {
	objtool := findObjtool(t)
	tc := findToolchain(t, elf.X86_64)
	dir := t.TempDir()
	in := tc.compile(t, dir, "part", "int f(int a) { return a + 1; }\n")
	out := filepath.Join(dir, "out", "part.o")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := (Objtool{Objtool: objtool, Args: append([]string{"--no-such-option"}, debianObjtoolArgs...), In: in, Out: out}).Run()
	var te *ToolError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a ToolError", err)
	}
	if strings.Contains(err.Error(), ".tmp") {
		t.Errorf("the error names the temporary copy, not %s:\n%v", in, err)
	}
	assertNoTemps(t, filepath.Dir(out))
}
