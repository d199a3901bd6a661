package symversions

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// source exports two functions and a variable. Compiled, EXPORT_SYMBOL
// leaves the __export_symbol_ label kbuild's objects carry; preprocessed
// with -D__GENKSYMS__, it becomes the keyword genksyms reads, as
// linux/export.h makes it.
const source = `#ifndef __GENKSYMS__
#define EXPORT_SYMBOL(sym) void __export_symbol_##sym(void) {}
#else
#define EXPORT_SYMBOL(sym) __GENKSYMS_EXPORT_SYMBOL(sym)
#endif
#include "point.h"
int add(int a, int b) { return a + b; }
EXPORT_SYMBOL(add);
long scale(struct point *p, long k) { return (p->x + p->y) * k; }
EXPORT_SYMBOL(scale);
int counter;
EXPORT_SYMBOL(counter);
`

func TestCheckVersions(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		exports   []string
		want      string // "" for no error
	}{
		{"all", "#SYMVER add 0x1234abcd\n#SYMVER scale 0x00000001\n", []string{"add", "scale"}, ""},
		{"orphan kept", "#SYMVER add 0x1\n#SYMVER other 0x2\n", []string{"add"}, ""},
		{"missing", "#SYMVER add 0x1\n", []string{"add", "scale"}, "no version for scale"},
		{"garbage", "add = 0x1\n", []string{"add"}, "unexpected output line"},
		{"no crc", "#SYMVER add\n", []string{"add"}, "unexpected output line"},
	} {
		err := checkVersions([]byte(tc.out), tc.exports)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: checkVersions = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func hostCC(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FIPS140_TEST_CC"); p != "" {
		return p
	}
	p, err := exec.LookPath("gcc")
	if err != nil {
		testskip.Skipf(t, "no gcc: set FIPS140_TEST_CC")
	}
	return p
}

// realGenksyms is Debian's genksyms from FIPS140_TEST_GENKSYMS.
func realGenksyms(t *testing.T) string {
	t.Helper()
	genksyms := os.Getenv("FIPS140_TEST_GENKSYMS")
	if genksyms == "" {
		testskip.Skipf(t, "set FIPS140_TEST_GENKSYMS to linux-kbuild's scripts/genksyms/genksyms")
	}
	return realtool.Runfile(genksyms)
}

// TestWriteWithRealGenksyms runs Debian's genksyms (linux-kbuild 7.2.13,
// FIPS140_TEST_GENKSYMS) through Write on a compiled object, and checks
// that the file holds the header and one #SYMVER line per export, in the
// form modpost reads; an object without exports gets the header alone.
func TestWriteWithRealGenksyms(t *testing.T) {
	genksyms := realGenksyms(t)
	cc := hostCC(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "exports.c")
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	header := filepath.Join(dir, "point.h")
	if err := os.WriteFile(header, []byte("struct point { int x, y; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, "exports.o")
	if out, err := exec.Command(cc, "-c", "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	exports, err := Exports(obj)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(exports, " "); got != "add counter scale" {
		t.Fatalf("Exports = %q, want add counter scale", got)
	}
	out := filepath.Join(dir, ".exports.o.cmd")
	if err := Write(Options{Object: obj, Source: src, CC: cc, Genksyms: genksyms, Out: out}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(Header) + `#SYMVER add 0x[0-9a-f]{8}\n#SYMVER scale 0x[0-9a-f]{8}\n#SYMVER counter 0x[0-9a-f]{8}\n$`)
	if !re.Match(data) {
		t.Errorf("%s:\n%s", out, data)
	}

	// The CRC follows the type (genksyms expands structs of headers):
	// changing scale's struct changes its CRC only.
	if err := os.WriteFile(header, []byte("struct point { long x, y; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(dir, ".exports2.o.cmd")
	if err := Write(Options{Object: obj, Source: src, CC: cc, Genksyms: genksyms, Out: out2}); err != nil {
		t.Fatal(err)
	}
	data2, err := os.ReadFile(out2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := strings.Split(string(data), "\n"), strings.Split(string(data2), "\n")
	if a[1] != b[1] || a[3] != b[3] || a[2] == b[2] {
		t.Errorf("after changing struct point, want only scale's CRC to change:\n%s\n%s", data, data2)
	}

	// No exports: the header alone, and genksyms never runs.
	plain := filepath.Join(dir, "plain.c")
	if err := os.WriteFile(plain, []byte("int f(void) { return 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plainObj := filepath.Join(dir, "plain.o")
	if out, err := exec.Command(cc, "-c", "-o", plainObj, plain).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out3 := filepath.Join(dir, ".plain.o.cmd")
	if err := Write(Options{Object: plainObj, Source: plain, CC: cc, Genksyms: "/nonexistent/genksyms", Out: out3}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(out3); string(data) != Header {
		t.Errorf("%s = %q, want the header alone", out3, data)
	}
}

// TestWriteAssemblerWithRealGenksyms versions a .S object's export as
// kbuild's getasmexports does: through a C stub that includes
// asm/asm-prototypes.h (here a stand-in tree of three headers) and names
// the export. The CRC follows the prototype the header gives.
func TestWriteAssemblerWithRealGenksyms(t *testing.T) {
	genksyms := realGenksyms(t)
	cc := hostCC(t)
	dir := t.TempDir()
	inc := filepath.Join(dir, "include")
	headers := map[string]string{
		"linux/kernel.h":       "#define EXPORT_SYMBOL(sym) __GENKSYMS_EXPORT_SYMBOL(sym)\n",
		"linux/string.h":       "",
		"asm/asm-prototypes.h": "struct key { int rounds; };\nvoid asm_encrypt(struct key *k, char *out);\n",
	}
	for name, text := range headers {
		path := filepath.Join(inc, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(dir, "enc.S")
	asm := "\t.text\n\t.globl asm_encrypt\nasm_encrypt:\n\tret\n\t.globl __export_symbol_asm_encrypt\n__export_symbol_asm_encrypt:\n"
	if err := os.WriteFile(src, []byte(asm), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, "enc.o")
	if out, err := exec.Command(cc, "-c", "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	version := func(name string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		if err := Write(Options{Object: obj, Source: src, CC: cc, CFlags: []string{"-nostdinc", "-I", inc}, Genksyms: genksyms, Out: out}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(Header) + `#SYMVER asm_encrypt 0x[0-9a-f]{8}\n$`).Match(data) {
			t.Fatalf("%s:\n%s", out, data)
		}
		return string(data)
	}
	before := version(".enc.o.cmd")
	// A changed prototype in asm-prototypes.h changes the CRC.
	if err := os.WriteFile(filepath.Join(inc, "asm/asm-prototypes.h"), []byte("struct key { long rounds; };\nvoid asm_encrypt(struct key *k, char *out);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if after := version(".enc2.o.cmd"); after == before {
		t.Errorf("the CRC did not follow the prototype's struct:\n%s", after)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "x.o")
	if err := os.WriteFile(notELF, []byte("not an object"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.cmd")
	err := Write(Options{Object: notELF, Source: "x.c", CC: "cc", Genksyms: "g", Out: out})
	if err == nil || !strings.Contains(err.Error(), notELF) {
		t.Errorf("Write on a non-ELF object = %v, want an error naming %s", err, notELF)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("left %s behind", out)
	}
}
