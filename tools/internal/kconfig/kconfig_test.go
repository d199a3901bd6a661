package kconfig

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the parser's output")

// dump renders a Config as text for golden files.
func dump(c *Config) string {
	var b strings.Builder
	for _, sym := range c.Symbols() {
		e, _ := c.Lookup(sym)
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\n", e.Line, e.Symbol, e.Kind, strconv.Quote(e.Value))
	}
	for _, o := range c.Overrides {
		fmt.Fprintf(&b, "override\t%s\tline %d replaces line %d\n", o.Symbol, o.Line, o.PrevLine)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.config")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/*.config: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			c, err := ParseFile(in)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(filepath.Base(in), ".config")+".golden", []byte(dump(c)), *update)
		})
	}
}

// TestAccessors checks typed lookups on the hand-written Debian excerpt,
// against values read off the file by eye.
func TestAccessors(t *testing.T) {
	c, err := ParseFile("testdata/debian-excerpt.config")
	if err != nil {
		t.Fatal(err)
	}
	tristates := map[string]Tristate{
		"MODULES":                        Yes,
		"CRYPTO_AES":                     Module,
		"MODULE_SIG_FORCE":               No, // is not set
		"CRYPTO_FIPS140_EXTMOD_SOURCE":   No,
		"NOT_IN_FILE":                    No,
		"CRYPTO_FIPS140_EXTMOD":          Yes,
		"CRYPTO_DEV_QAT_DH895xCC":        No,
		"CRYPTO_USER_API_HASH":           Module,
		"CRYPTO_FIPS140_DUAL_VERSION":    No,
		"CC_HAS_ASM_GOTO_OUTPUT":         Yes,
		"LOCALVERSION_AUTO":              No,
		"CRYPTO_SHA256":                  Yes,
		"CRYPTO_FIPS":                    Yes,
		"CRYPTO_CBC":                     Module,
		"CRYPTO_ECB":                     Yes,
		"CRYPTO_SERPENT":                 Module,
		"MODULE_SIG":                     Yes,
		"CRYPTO_HMAC":                    Yes,
		"BUILDTIME_TABLE_SORT":           Yes,
		"IRQ_WORK":                       Yes,
		"WERROR":                         No,
		"COMPILE_TEST":                   No,
		"AS_IS_GNU":                      Yes,
		"LD_IS_BFD":                      Yes,
		"CC_IS_GCC":                      Yes,
		"MODULE_SIG_SHA256":              Yes,
		"CRYPTO":                         Yes,
		"CRYPTO_SHA512":                  Module,
		"CRYPTO_AES_NI_INTEL":            Module,
		"CRYPTO_FIPS140_HMAC_KEY_ABSENT": No,
	}
	for sym, want := range tristates {
		got, err := c.Tristate(sym)
		if err != nil || got != want {
			t.Errorf("Tristate(%s) = %v, %v; want %v", sym, got, err, want)
		}
	}
	strs := map[string]string{
		"CRYPTO_FIPS140_HMAC_KEY": "The quick brown fox jumps over the lazy dog while the sphinx of black quartz judges my vow",
		"CRYPTO_FIPS_NAME":        `Debian GNU/Linux "sid" FIPS 140-3 kernel crypto \ module`,
		"LOCALVERSION":            "",
		"DEFAULT_HOSTNAME":        "(none)",
		"CC_VERSION_TEXT":         "x86_64-linux-gnu-gcc-16 (Debian 16.2.0-1) 16.2.0",
	}
	for sym, want := range strs {
		got, err := c.String(sym)
		if err != nil || got != want {
			t.Errorf("String(%s) = %q, %v; want %q", sym, got, err, want)
		}
	}
	ints := map[string]int64{
		"GCC_VERSION":           160200,
		"CLANG_VERSION":         0,
		"PHYSICAL_START":        0x1000000,
		"PHYSICAL_ALIGN":        0x200000,
		"INIT_ENV_ARG_LIMIT":    32,
		"ILLEGAL_POINTER_VALUE": -1, // too big for int64: an error
	}
	for sym, want := range ints {
		got, err := c.Int(sym)
		if want == -1 {
			if err == nil {
				t.Errorf("Int(%s) = %d, want an error", sym, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Int(%s) = %d, %v; want %d", sym, got, err, want)
		}
	}
}

func TestAccessorErrors(t *testing.T) {
	const file = "dir/.config"
	c, err := Parse(file, []byte("CONFIG_S=\"str\"\n# CONFIG_U is not set\nCONFIG_Y=y\nCONFIG_N=012\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		call     func() error
		want     string
		notFound bool
	}{
		{"string of missing", func() error { _, err := c.String("MISSING"); return err }, "dir/.config: CONFIG_MISSING is missing", true},
		{"string of unset", func() error { _, err := c.String("U"); return err }, "dir/.config:2: CONFIG_U is not set; want a quoted string", false},
		{"string of bare", func() error { _, err := c.String("Y"); return err }, "dir/.config:3: CONFIG_Y is y, not a quoted string", false},
		{"tristate of string", func() error { _, err := c.Tristate("S"); return err }, `dir/.config:1: CONFIG_S is "str", not y, m or n`, false},
		{"tristate of number", func() error { _, err := c.Tristate("N"); return err }, "dir/.config:4: CONFIG_N is 012, not y, m or n", false},
		{"int of missing", func() error { _, err := c.Int("MISSING"); return err }, "dir/.config: CONFIG_MISSING is missing", true},
		{"int of tristate", func() error { _, err := c.Int("Y"); return err }, "dir/.config:3: CONFIG_Y is y, not an integer", false},
		{"int of string", func() error { _, err := c.Int("S"); return err }, `dir/.config:1: CONFIG_S is "str", not an integer`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if got := errors.Is(err, ErrNotFound); got != tc.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tc.notFound)
			}
		})
	}
	if v, err := c.Int("N"); err != nil || v != 12 {
		t.Errorf("Int(N) = %d, %v; want 12 (decimal, not octal)", v, err)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unterminated string", "CONFIG_A=y\nCONFIG_KEY=\"abc\n", `f.config:2: CONFIG_KEY: unterminated string: no closing quote`},
		{"string ends in backslash", `CONFIG_KEY="abc\`, `f.config:1: CONFIG_KEY: unterminated string: ends in a backslash`},
		{"escaped closing quote", `CONFIG_KEY="abc\"`, `f.config:1: CONFIG_KEY: unterminated string: no closing quote`},
		{"text after string", `CONFIG_KEY="a" b`, `f.config:1: CONFIG_KEY: unexpected text " b" after closing quote`},
		{"no equals", "\n\nCONFIG_FOO y\n", `f.config:3: no '=' in "CONFIG_FOO y"`},
		{"empty value", "CONFIG_FOO=", `f.config:1: CONFIG_FOO: empty value`},
		{"space in bare value", "CONFIG_FOO=y n", `f.config:1: CONFIG_FOO: invalid character ' ' in unquoted value "y n"`},
		{"trailing blank after bare", "CONFIG_FOO=y ", `f.config:1: CONFIG_FOO: invalid character ' ' in unquoted value "y "`},
		{"stray quote", `CONFIG_FOO=ab"c"`, `f.config:1: CONFIG_FOO: invalid character '"' in unquoted value "ab\"c\""`},
		{"bad symbol", "CONFIG_FOO-BAR=y", `f.config:1: invalid symbol name "CONFIG_FOO-BAR"`},
		{"empty symbol", "CONFIG_=y", `f.config:1: invalid symbol name "CONFIG_"`},
		{"no prefix", "FOO=y", `f.config:1: unexpected line "FOO=y": want CONFIG_NAME=VALUE, a comment or a blank line`},
		{"leading blank", " CONFIG_FOO=y", `f.config:1: unexpected line " CONFIG_FOO=y": want CONFIG_NAME=VALUE, a comment or a blank line`},
		{"nul byte", "CONFIG_A=y\nCONFIG_KEY=\"ab\x00cd\"\n", `f.config:2: NUL byte in file`},
		{"long line clipped", "X" + strings.Repeat("y", 200), `f.config:1: unexpected line "X` + strings.Repeat("y", 79) + `...": want CONFIG_NAME=VALUE, a comment or a blank line`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("f.config", []byte(tc.in))
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error %q", tc.in, dump(c), tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%q) error\n got %s\nwant %s", tc.in, err, tc.want)
			}
			var kerr *Error
			if !errors.As(err, &kerr) || kerr.File != "f.config" {
				t.Errorf("error %v is not a *Error naming f.config", err)
			}
		})
	}
}

// TestDuplicateLastWins documents the choice: like kconfig, the last
// assignment of a symbol wins, and each replaced one is reported.
func TestDuplicateLastWins(t *testing.T) {
	c, err := Parse("d.config", []byte("CONFIG_K=\"first\"\nCONFIG_X=y\nCONFIG_K=\"second\"\n# CONFIG_X is not set\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.String("K"); err != nil || got != "second" {
		t.Errorf(`String(K) = %q, %v; want "second"`, got, err)
	}
	if got, _ := c.Tristate("X"); got != No {
		t.Errorf("Tristate(X) = %v, want n", got)
	}
	want := []Override{{"K", 3, 1}, {"X", 4, 2}}
	if diff := cmp.Diff(want, c.Overrides); diff != "" {
		t.Errorf("Overrides mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"K", "X"}, c.Symbols()); diff != "" {
		t.Errorf("Symbols mismatch (-want +got):\n%s", diff)
	}
}

func TestParseFileUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no.config")
	_, err := ParseFile(missing)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("ParseFile(%s) error = %v, want one naming the file", missing, err)
	}
}

// quote encodes s the way kconfig writes a string value.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/debian-excerpt.config", "testdata/edge.config", "testdata/crlf.config"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`CONFIG_K="a\"b\\`))
	f.Add([]byte("# CONFIG_ is not set\nCONFIG_X=0x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.config", data)
		if err != nil {
			var kerr *Error
			if !errors.As(err, &kerr) || kerr.File != "fuzz.config" || kerr.Line < 1 {
				t.Fatalf("error %v does not name the file and a line", err)
			}
			return
		}
		// Writing the entries back as kconfig would must parse to the same.
		var b strings.Builder
		for _, sym := range c.Symbols() {
			e, _ := c.Lookup(sym)
			switch e.Kind {
			case Unset:
				fmt.Fprintf(&b, "# %s%s is not set\n", Prefix, sym)
			case Bare:
				fmt.Fprintf(&b, "%s%s=%s\n", Prefix, sym, e.Value)
			case String:
				fmt.Fprintf(&b, "%s%s=%s\n", Prefix, sym, quote(e.Value))
			}
			_, _ = c.Tristate(sym)
			_, _ = c.String(sym)
			_, _ = c.Int(sym)
		}
		c2, err := Parse("again.config", []byte(b.String()))
		if err != nil {
			t.Fatalf("re-parse of written config failed: %v\n%s", err, b.String())
		}
		for _, sym := range c.Symbols() {
			e1, _ := c.Lookup(sym)
			e2, ok := c2.Lookup(sym)
			if !ok || e1.Kind != e2.Kind || e1.Value != e2.Value {
				t.Fatalf("%s: %+v after round trip, was %+v", sym, e2, e1)
			}
		}
	})
}
