package kernellink

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// A System.map-like nm output with a line for each of mksysmap's deletions.
const nmOutput = `ffffffff81000000 T _text
ffffffff81000010 t .L123
ffffffff81000020 a absolute_sym
ffffffff81000030 t $x
ffffffff81000040 T __efistub_foo
ffffffff81000050 T __crc_printk
ffffffff81000060 R __kstrtab_printk
ffffffff81000070 T foo_veneer
ffffffff81000080 T __UNIQUE_ID_modinfo_12
ffffffff81000090 T __UNIQUE_ID_modinfo_12x
ffffffff810000a0 T bar.long_branch.baz
ffffffff810000b0 T __x86_indirect_Thunk_rax
ffffffff810000c0 T __kcfi_typeid_foo
ffffffff810000d0 D jiffies
ffffffff810000e0 W weak_one
ffffffff810000f0 U undefined_one
ffffffff81000100 N debug_one
ffffffff81000110 T a+b(c)
`

const mksysmap = `#!/bin/sed -f
# comment
/ [aNUw] /d
/ \$/d
/ \.L/d
/ __efistub_/d
/ __[[:alnum:]]*Thunk_/d
/ __kcfi_typeid_/d
/ __crc_/d
/ __kstrtab_/d
/_veneer$/d
/ __UNIQUE_ID_modinfo_[0-9]*$/d
/\.long_branch\./d
/a+b(c)/d
`

func TestSymbolFilterAgainstSed(t *testing.T) {
	f, err := ParseSymbolFilter("mksysmap", []byte(mksysmap))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Filter([]byte(nmOutput))
	sed, err := exec.LookPath("sed")
	if err != nil {
		testskip.Skipf(t, "no sed on PATH to compare with")
	}
	script := filepath.Join(t.TempDir(), "mksysmap")
	os.WriteFile(script, []byte(mksysmap), 0o644)
	cmd := exec.Command(sed, "-f", script)
	cmd.Stdin = strings.NewReader(nmOutput)
	want, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("filter differs from sed -f (-sed +ours):\n%s", diff)
	}
	if !strings.Contains(string(got), "T _text") || strings.Contains(string(got), "__crc_") {
		t.Errorf("unexpected filter result:\n%s", got)
	}
}

func TestParseSymbolFilterErrors(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"s/a/b/\n", "mksysmap:1: \"s/a/b/\" is not a /REGEX/d command"},
		{"# ok\n/a\\(b\\)/d\n", "mksysmap:2:"},
		{"/[abc/d\n", "unterminated ["},
	} {
		_, err := ParseSymbolFilter("mksysmap", []byte(tc.script))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSymbolFilter(%q) = %v, want %q", tc.script, err, tc.want)
		}
	}
}

func FuzzSymbolFilter(f *testing.F) {
	f.Add(mksysmap, nmOutput)
	f.Fuzz(func(t *testing.T, script, nm string) {
		filter, err := ParseSymbolFilter("fuzz", []byte(script))
		if err != nil {
			return
		}
		once := filter.Filter([]byte(nm))
		// Filtering is idempotent.
		if twice := filter.Filter(once); string(twice) != string(once) {
			t.Fatalf("filtering twice changed the result")
		}
	})
}
