package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

func TestParseArgs(t *testing.T) {
	params := filepath.Join(t.TempDir(), "args.params")
	if err := os.WriteFile(params, []byte("-i\na.symvers\nx.o\n-e\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args, err := paramfile.Expand([]string{"-M", "@" + params, "-c", "y.o", "-i", "b.symvers", "-o", "out"})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := parseArgs(args, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"x.o", "y.o"}, opts.objects); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a.symvers", "b.symvers"}, opts.symversIn); diff != "" {
		t.Errorf("-i files (-want +got):\n%s", diff)
	}
	if !opts.cfg.External || !opts.cfg.Crypto || opts.symversOut != "out" {
		t.Errorf("options = %+v", opts)
	}
}

func TestParseArgsRefusesUnsupported(t *testing.T) {
	for _, flag := range []string{"-t", "-E", "-u", "-d"} {
		args := []string{"-M", flag, "a.o"}
		if flag == "-u" || flag == "-d" {
			args = []string{"-M", flag + "=x", "a.o"}
		}
		_, err := parseArgs(args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("parseArgs with %s: err = %v, want 'not supported'", flag, err)
		}
	}
}

func TestRunBadInputNamesFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("text.o", []byte("not an object"), 0o644)
	os.WriteFile("bad.symvers", []byte("0x0\tsym\tm\tEXPORT_SYMBOL\n"), 0o644)
	tests := []struct {
		name string
		opts options
		want string
	}{
		{"missing object", options{objects: []string{"missing.o"}}, "missing.o"},
		{"not an object", options{objects: []string{"text.o"}}, "text.o: not a readable ELF object"},
		{"no .o suffix", options{objects: []string{"thing.ko"}}, "thing.ko: filename must be suffixed with .o"},
		{"missing symvers", options{symversIn: []string{"nope.symvers"}}, "nope.symvers"},
		{"bad symvers", options{symversIn: []string{"bad.symvers"}}, "bad.symvers:1: want 5 tab-separated fields"},
		{"missing order file", options{orderFile: "modules.order"}, "modules.order"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(tc.opts, &stderr); code == 0 {
				t.Fatalf("run succeeded")
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("failed runs left files behind: %d entries", len(entries))
	}
}

func TestRunIgnoreMissing(t *testing.T) {
	t.Chdir(t.TempDir())
	var stderr bytes.Buffer
	if code := run(options{objects: []string{"gone.o"}, ignoreMissing: true, symversOut: "Module.symvers"}, &stderr); code != 0 {
		t.Fatalf("run with -n failed: %s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "gone.o") || !strings.Contains(stderr.String(), "(ignored)") {
		t.Errorf("stderr %q does not report the ignored file", stderr.String())
	}
}
