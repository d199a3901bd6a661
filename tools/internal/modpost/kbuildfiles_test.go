package modpost

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSymvers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []SymverCRC
	}{
		{"empty", "", nil},
		{"first line does not count", "#SYMVER a 0x1\n", nil},
		{"hex", "x\n#SYMVER a 0x0000abcd\n", []SymverCRC{{"a", 0xabcd}}},
		{"upper hex prefix", "x\n#SYMVER a 0XFF\n", []SymverCRC{{"a", 0xff}}},
		{"decimal", "\n#SYMVER a 3735928559\n", []SymverCRC{{"a", 0xdeadbeef}}},
		{"octal", "\n#SYMVER a 017\n", []SymverCRC{{"a", 15}}},
		{"zero", "\n#SYMVER a 0\n", []SymverCRC{{"a", 0}}},
		{"low 32 bits", "\n#SYMVER a 0x123456789\n", []SymverCRC{{"a", 0x23456789}}},
		{"overflow is all ones", "\n#SYMVER a 99999999999999999999999\n", []SymverCRC{{"a", 0xffffffff}}},
		{"not a digit", "\n#SYMVER a zz\n#SYMVER b 1\n", []SymverCRC{{"b", 1}}},
		{"sign", "\n#SYMVER a -1\n", nil},
		{"trailing text", "\n#SYMVER a 0x12 x\n", nil},
		{"0x without digits", "\n#SYMVER a 0x\n", nil},
		{"8 is not octal", "\n#SYMVER a 08\n", nil},
		{"no final newline", "\n#SYMVER a 0x1", nil},
		{"CR before newline", "\n#SYMVER a 0x1\r\n", nil},
		{"no space ends the scan", "\n#SYMVER a\n", nil},
		{"name runs past a newline", "\n#SYMVER a\n#SYMVER b 0x2\n", nil},
		{"two spaces: empty name's CRC is not a digit", "\n#SYMVER  a 1\n", nil},
		{"tab is part of the name", "\n#SYMVER a\tb 1\n", []SymverCRC{{"a\tb", 1}}},
		{"leading dot kept", "\n#SYMVER .a 1\n", []SymverCRC{{".a", 1}}},
		{"NUL ends the file", "\n#SYMVER a 1\n\x00\n#SYMVER b 2\n", []SymverCRC{{"a", 1}}},
		{"repeated", "\n#SYMVER a 1\n#SYMVER a 2\n", []SymverCRC{{"a", 1}, {"a", 2}}},
		{"indented does not count", "\n #SYMVER a 1\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseSymvers([]byte(tt.in))); diff != "" {
				t.Errorf("ParseSymvers(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestModObjects(t *testing.T) {
	tests := []struct {
		in          string
		crc, source []string
	}{
		{"", nil, nil},
		{"./a.o\n", []string{"./a.o"}, []string{"./a.o"}},
		{"a.o\nsub/b.o", []string{"a.o", "sub/b.o"}, []string{"a.o", "sub/b.o"}},
		{"a.o\n\nb.o\n", []string{"a.o"}, []string{"a.o", "b.o"}},
		{"\na.o\n", nil, []string{"a.o"}},
		{"a.o\x00b.o\n", []string{"a.o"}, []string{"a.o"}},
		{"a b.o\r\n", []string{"a b.o\r"}, []string{"a b.o\r"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.crc, ModObjects([]byte(tt.in))); diff != "" {
			t.Errorf("ModObjects(%q) (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.source, modSources([]byte(tt.in))); diff != "" {
			t.Errorf("modSources(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCRCCmdPath(t *testing.T) {
	tests := []struct{ obj, want string }{
		{"./wp512.o", "./.wp512.o.cmd"},
		{"wp512.o", ".wp512.o.cmd"},
		{"crypto/sub/aes.o", "crypto/sub/.aes.o.cmd"},
		{"/abs/x.o", "/abs/.x.o.cmd"},
		{"dir/x.thinlto-native.o", "dir/.x.o.cmd"},
		{"x.c", ".x.o.cmd"},     // the last two bytes go whatever they are
		{"ab", "..o.cmd"},       // nothing left
		{"a", ".a.o.cmd"},       // shorter than ".o": kept whole
		{"dir/", "dir/..o.cmd"}, // empty base
	}
	for _, tt := range tests {
		if got := crcCmdPath(tt.obj); got != tt.want {
			t.Errorf("crcCmdPath(%q) = %q, want %q", tt.obj, got, tt.want)
		}
	}
}

// TestParseSymversGolden reads the .cmd files of testdata/kbuild and
// compares the CRCs found with testdata/kbuild-golden/<file>.golden.
func TestParseSymversGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/kbuild/.*.cmd")
	if err != nil || len(files) == 0 {
		t.Fatalf("no .cmd files in testdata/kbuild: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, c := range ParseSymvers(data) {
				fmt.Fprintf(&got, "%q 0x%08x\n", c.Name, c.CRC)
			}
			golden := filepath.Join("testdata", "kbuild-golden", strings.TrimPrefix(filepath.Base(f), ".")+".golden")
			checkGolden(t, golden, got.String())
		})
	}
}

// checkGolden compares got with the file golden, rewriting it with -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", golden, diff)
	}
}

// FuzzParseSymvers: every CRC found must come from a "\n#SYMVER <name> "
// line of the input before any NUL, and parsing must not panic.
func FuzzParseSymvers(f *testing.F) {
	files, _ := filepath.Glob("testdata/kbuild/.*.cmd")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("\n#SYMVER a 0x1\n#SYMVER b 99999999999999999999\n#SYMVER c 0x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		text := string(untilNUL(data))
		for _, c := range ParseSymvers(data) {
			if !strings.Contains(text, "\n#SYMVER "+c.Name+" ") {
				t.Fatalf("CRC for %q not in the input", c.Name)
			}
		}
	})
}

// FuzzModObjects: the paths are non-empty lines of the input, and the
// CRC list is a prefix of the srcversion list.
func FuzzModObjects(f *testing.F) {
	f.Add([]byte("./a.o\nsub/b.o\n\nc.a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		crc, src := ModObjects(data), modSources(data)
		if len(crc) > len(src) {
			t.Fatalf("ModObjects %q longer than modSources %q", crc, src)
		}
		for i, p := range crc {
			if p == "" || strings.ContainsAny(p, "\n\x00") || p != src[i] {
				t.Fatalf("bad path %q (srcversion's: %q)", p, src[i])
			}
		}
	})
}
