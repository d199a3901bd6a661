package kconfig

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// tool finds a real tool: the environment variable first, then PATH.
func tool(t *testing.T, env string, names ...string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return realtool.Runfile(p)
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	testskip.Skipf(t, "%s not found; set %s to run this differential test", names[0], env)
	return ""
}

// TestDifferentialKconfig feeds each testdata/*.config to the real kconfig
// (scripts/kconfig/conf from linux-kbuild) with a Kconfig that declares its
// symbols, then checks that:
//   - the .config that kconfig writes back holds the values we parsed;
//   - each string in kconfig's autoconf.h, compiled by a real C compiler
//     the way the kernel embeds CONFIG_CRYPTO_FIPS140_HMAC_KEY (an array
//     initialised from the macro, sizeof-1 bytes), is the string we parsed.
func TestDifferentialKconfig(t *testing.T) {
	conf := tool(t, "FIPS140_TEST_KCONFIG_CONF", "conf")
	cc := tool(t, "FIPS140_TEST_CC", "cc", "gcc")
	inputs, err := filepath.Glob("testdata/*.config")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/*.config: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			ours, err := ParseFile(in)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, ".config"), data)
			writeFile(t, filepath.Join(dir, "Kconfig"), []byte(kconfigFor(ours)))
			cmd := exec.Command(conf, "--syncconfig", "Kconfig")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "KCONFIG_CONFIG=.config")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s --syncconfig: %v\n%s", conf, err, out)
			}
			theirs, err := ParseFile(filepath.Join(dir, ".config"))
			if err != nil {
				t.Fatalf("parsing kconfig's own output: %v", err)
			}
			for _, sym := range ours.Symbols() {
				want := normal(t, ours, sym)
				if got := normal(t, theirs, sym); got != want {
					t.Errorf("CONFIG_%s: kconfig wrote %s, we parsed %s", sym, got, want)
				}
			}
			checkCompiledStrings(t, cc, dir, ours)
		})
	}
}

// kconfigFor declares every symbol of c, with a prompt so that kconfig keeps
// the .config's value, and a type guessed from how the value is written.
func kconfigFor(c *Config) string {
	var b strings.Builder
	b.WriteString("config MODULES\n\tbool \"modules\"\n\tmodules\n\tdefault y\n")
	for _, sym := range c.Symbols() {
		if sym == "MODULES" {
			continue
		}
		e, _ := c.Lookup(sym)
		typ := "tristate"
		switch {
		case e.Kind == String:
			typ = "string"
		case e.Kind == Bare && strings.HasPrefix(e.Value, "0x"):
			typ = "hex"
		case e.Kind == Bare && e.Value != "y" && e.Value != "m" && e.Value != "n":
			typ = "int"
		}
		fmt.Fprintf(&b, "config %s\n\t%s \"%s\"\n", sym, typ, sym)
	}
	return b.String()
}

// normal renders a symbol's value the same way however it was written.
func normal(t *testing.T, c *Config, sym string) string {
	e, ok := c.Lookup(sym)
	if !ok || e.Kind == Unset {
		return "n"
	}
	if e.Kind == String {
		return strconv.Quote(e.Value)
	}
	return e.Value
}

func checkCompiledStrings(t *testing.T, cc, dir string, c *Config) {
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include \"include/generated/autoconf.h\"\nint main(void) {\n")
	var syms []string
	for _, sym := range c.Symbols() {
		if e, _ := c.Lookup(sym); e.Kind != String {
			continue
		}
		syms = append(syms, sym)
		fmt.Fprintf(&src, "\t{ static const unsigned char k[] = CONFIG_%s;\n\t  printf(\"%%zu:\", sizeof(k) - 1); fwrite(k, 1, sizeof(k) - 1, stdout); }\n", sym)
	}
	if len(syms) == 0 {
		return
	}
	src.WriteString("\treturn 0;\n}\n")
	writeFile(t, filepath.Join(dir, "strings.c"), []byte(src.String()))
	bin := filepath.Join(dir, "strings")
	if out, err := exec.Command(cc, "-o", bin, filepath.Join(dir, "strings.c")).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cc, err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, sym := range syms {
		n, rest, ok := bytes.Cut(out, []byte(":"))
		size, err := strconv.Atoi(string(n))
		if !ok || err != nil || size > len(rest) {
			t.Fatalf("bad output from compiled strings at CONFIG_%s: %q", sym, out)
		}
		got := string(rest[:size])
		out = rest[size:]
		if want, _ := c.String(sym); got != want {
			t.Errorf("CONFIG_%s: the compiled macro holds %q, we parsed %q", sym, got, want)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
