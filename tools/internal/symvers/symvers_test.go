package symvers

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden parses each testdata/*.symvers, compares the result with the
// .golden JSON next to it, and checks that canonical files write back
// byte-for-byte. The inputs are lines written by Debian's modpost 7.2.13.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.symvers")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".symvers")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			exports, err := Parse(bytes.NewReader(data), in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(exports, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+".golden", append(got, '\n'), *update)

			var out bytes.Buffer
			if err := Write(&out, exports); err != nil {
				t.Fatal(err)
			}
			if name == "noncanonical" {
				return
			}
			if diff := cmp.Diff(string(data), out.String()); diff != "" {
				t.Errorf("Write(Parse(%s)) is not the input (-want +got):\n%s", in, diff)
			}
		})
	}
}

func TestWriteFormat(t *testing.T) {
	var out bytes.Buffer
	err := Write(&out, []Export{
		{CRC: 0x1234abcd, Symbol: "a", Module: "vmlinux"},
		{Symbol: "b", Module: "crypto/fips140", GPLOnly: true, Namespace: "CRYPTO_INTERNAL"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "0x1234abcd\ta\tvmlinux\tEXPORT_SYMBOL\t\n" +
		"0x00000000\tb\tcrypto/fips140\tEXPORT_SYMBOL_GPL\tCRYPTO_INTERNAL\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("Write mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteRefusesUnreadable(t *testing.T) {
	for _, e := range []Export{
		{Symbol: "", Module: "m"},
		{Symbol: "s", Module: ""},
		{Symbol: "s\tt", Module: "m"},
		{Symbol: "s", Module: "m", Namespace: "a\nb"},
	} {
		if err := Write(&bytes.Buffer{}, []Export{e}); err == nil {
			t.Errorf("Write(%+v) succeeded, want an error", e)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := "0x00000000\tok\tm\tEXPORT_SYMBOL\t\n"
	tests := []struct {
		name     string
		input    string
		wantLine int
		wantMsg  string
	}{
		{"four fields", "0x00000000\tsym\tm\tEXPORT_SYMBOL\n", 1, "want 5 tab-separated fields, got 4"},
		{"six fields", "0x00000000\tsym\tm\tEXPORT_SYMBOL\tNS\textra\n", 1, "got more"},
		{"one field", "garbage\n", 1, "got 1"},
		{"empty line", good + "\n" + good, 2, "empty line"},
		{"bad crc", good + "0xZZ\tsym\tm\tEXPORT_SYMBOL\t\n", 2, `bad CRC "0xZZ"`},
		{"empty crc", "\tsym\tm\tEXPORT_SYMBOL\t\n", 1, `bad CRC ""`},
		{"crc too long", "0x123456789\tsym\tm\tEXPORT_SYMBOL\t\n", 1, "bad CRC"},
		{"empty symbol", "0x0\t\tm\tEXPORT_SYMBOL\t\n", 1, "empty symbol name"},
		{"empty module", "0x0\tsym\t\tEXPORT_SYMBOL\t\n", 1, "empty module name for symbol sym"},
		{"unknown kind", good + good + "0x0\tsym\tm\tEXPORT_SYMBOL_GPL_FUTURE\t\n", 3, `unknown export type "EXPORT_SYMBOL_GPL_FUTURE" for symbol sym`},
		{"crlf", "0x0\tsym\tm\tEXPORT_SYMBOL\t\r\n", 1, "carriage return"},
		{"nul", "0x0\tsym\x00\tm\tEXPORT_SYMBOL\t\n", 1, "NUL byte"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.input), "dir/Module.symvers")
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse error = %v, want a *symvers.Error", err)
			}
			if perr.File != "dir/Module.symvers" || perr.Line != tc.wantLine {
				t.Errorf("error at %s:%d, want dir/Module.symvers:%d", perr.File, perr.Line, tc.wantLine)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.HasPrefix(err.Error(), "dir/Module.symvers:") {
				t.Errorf("error %q does not name the file or lacks %q", err, tc.wantMsg)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// writes back to something that parses to the same exports.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/ext-build.symvers", "testdata/crcs.symvers", "testdata/noncanonical.symvers"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("0x0\ta\tb\tEXPORT_SYMBOL\t\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		exports, err := Parse(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, exports); err != nil {
			t.Fatalf("Write of parsed exports failed: %v", err)
		}
		again, err := Parse(bytes.NewReader(out.Bytes()), "fuzz-out")
		if err != nil {
			t.Fatalf("reparse failed: %v\n%q", err, out.String())
		}
		if diff := cmp.Diff(exports, again); diff != "" {
			t.Fatalf("round trip changed exports (-first +second):\n%s", diff)
		}
	})
}
