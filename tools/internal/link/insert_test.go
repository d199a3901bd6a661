package link

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

func TestInsertBefore(t *testing.T) {
	kinds := EmbeddedKinds()[:2]
	for _, tc := range []struct{ in, anchor string }{
		{"x86_64.lds", ".data"},
		{"arm64.lds", ".got"},
	} {
		script, err := os.ReadFile(filepath.Join("testdata/insert", tc.in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := InsertBefore(tc.in, script, tc.anchor, kinds)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		golden.Check(t, "insert/"+tc.in+".golden", got, *update)
	}
}

func TestInsertBeforeErrors(t *testing.T) {
	kinds := EmbeddedKinds()[:1]
	for _, tc := range []struct{ script, want string }{
		{"SECTIONS { .text : { *(.text) } }", "no output section .data"},
		{"SECTIONS { .text : { *(.data) } .data : {} .data : {} }", "appears twice"},
		{"SECTIONS { /* .data : { */ .text : {} }", "no output section .data"},
		{"SECTIONS { /* open", "unterminated comment"},
		{"SECTIONS { .data : { } } }", "unbalanced }"},
	} {
		_, err := InsertBefore("bad.lds", []byte(tc.script), ".data", kinds)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.lds") {
			t.Errorf("InsertBefore(%q) = %v, want an error naming bad.lds with %q", tc.script, err, tc.want)
		}
	}
}

func FuzzInsertBefore(f *testing.F) {
	for _, name := range []string{"x86_64.lds", "arm64.lds"} {
		data, err := os.ReadFile(filepath.Join("testdata/insert", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	kinds := EmbeddedKinds()[:2]
	f.Fuzz(func(t *testing.T, script string) {
		out, err := InsertBefore("fuzz.lds", []byte(script), ".data", kinds)
		if err != nil {
			return
		}
		// Inserting keeps every byte of the script, and the anchor is found
		// again after the inserted sections.
		if len(out) <= len(script) {
			t.Fatalf("output shorter than input")
		}
		again, err := findOutputSection(string(out), ".data")
		if err != nil {
			t.Fatalf("anchor lost after insertion: %v", err)
		}
		if !strings.HasSuffix(string(out), script[again-(len(out)-len(script)):]) {
			t.Fatalf("the script after the anchor changed")
		}
	})
}

func TestFirstAnchor(t *testing.T) {
	script := string("SECTIONS { .rodata : { } .got : { *(.got) } .data : { } }")
	for anchors, want := range map[string]string{".hyp.rodata,.got": ".got", ".data": ".data", ".got,.data": ".got", ".x,.y": ".y"} {
		if got := firstAnchor(script, anchors); got != want {
			t.Errorf("firstAnchor(%q) = %q, want %q", anchors, got, want)
		}
	}
}
