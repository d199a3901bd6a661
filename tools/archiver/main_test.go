package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// TestMain lets the test binary act as archiver itself (for the benchmark,
// which compares whole processes with GNU ar).
func TestMain(m *testing.M) {
	if os.Getenv("ARCHIVER_TEST_RUN_MAIN") == "1" {
		os.Exit(runArgs(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args []string
		want options
		err  string
	}{
		{args: []string{"create", "-o", "x.a", "a.o", "b.o"}, want: options{command: "create", format: "thin", output: "x.a", inputs: []string{"a.o", "b.o"}}},
		{args: []string{"create", "-o", "x.a"}, want: options{command: "create", format: "thin", output: "x.a"}},
		{args: []string{"create", "-format", "normal", "-basename", "-o", "x.a", "--", "-odd.o"}, want: options{command: "create", format: "normal", basename: true, output: "x.a", inputs: []string{"-odd.o"}}},
		{args: []string{"list", "x.a", "y.a"}, want: options{command: "list", inputs: []string{"x.a", "y.a"}}},
		{args: nil, err: "no command"},
		{args: []string{"extract", "x.a"}, err: `unknown command "extract"`},
		{args: []string{"create", "a.o"}, err: "-o is required"},
		{args: []string{"create", "-format", "fat", "-o", "x.a"}, err: `-format "fat"`},
		{args: []string{"create", "-basename", "-o", "x.a"}, err: "-basename needs -format normal"},
		{args: []string{"create", "-o", "out/x.a", "a.o", "out/./x.a"}, err: "also an input"},
		{args: []string{"create", "-bogus", "-o", "x.a"}, err: "-bogus"},
		{args: []string{"list"}, err: "no archive given"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, err := parseArgs(tc.args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseArgs error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(options{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parseArgs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// inTree creates files (name -> contents) in a new working directory.
func inTree(t *testing.T, files map[string]string) {
	t.Helper()
	t.Chdir(t.TempDir())
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := runArgs(args, &stdout, &stderr); code != 0 {
		t.Fatalf("archiver %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

func TestCreateAndList(t *testing.T) {
	inTree(t, map[string]string{
		"a.o": "a", "sub/b.o": "bb", "sub/deep/c.o": "ccc", "z.o": "z",
		"sub/inputs.params": "sub/b.o\nsub/deep/c.o\n",
	})
	runOK(t, "create", "-o", "sub/built-in.a", "@sub/inputs.params")
	runOK(t, "create", "-o", "built-in.a", "a.o", "sub/built-in.a", "z.o")
	got := runOK(t, "list", "built-in.a")
	want := "a.o\nsub/b.o\nsub/deep/c.o\nz.o\n"
	if got != want {
		t.Errorf("list built-in.a = %q, want %q", got, want)
	}
	runOK(t, "create", "-format", "normal", "-o", "lib.a", "built-in.a")
	if got := runOK(t, "list", "lib.a"); got != want {
		t.Errorf("list lib.a = %q, want %q", got, want)
	}
	runOK(t, "create", "-format", "normal", "-basename", "-o", "base.a", "built-in.a")
	if got, want := runOK(t, "list", "base.a", "sub/built-in.a"), "a.o\nb.o\nc.o\nz.o\nsub/b.o\nsub/deep/c.o\n"; got != want {
		t.Errorf("list base.a sub/built-in.a = %q, want %q", got, want)
	}
	info, err := os.Stat("built-in.a")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("built-in.a mode %v, want 0644", info.Mode().Perm())
	}
}

func TestFailureLeavesNoOutput(t *testing.T) {
	inTree(t, map[string]string{"a.o": "a", "old.a": "previous contents", "bad.a": "!<arch>\ntruncated"})
	tests := []struct {
		args []string
		out  string
		want []string
	}{
		{[]string{"create", "-o", "new.a", "a.o", "missing.o"}, "new.a", []string{"missing.o", "no such file"}},
		{[]string{"create", "-o", "old.a", "a.o", "bad.a"}, "old.a", []string{"bad.a", "truncated member header"}},
		{[]string{"create", "-format", "normal", "-o", "old.a", "a.o", "bad.a"}, "old.a", []string{"bad.a"}},
		{[]string{"create", "-o", "nodir/x.a", "a.o"}, "nodir/x.a", []string{"nodir/x.a"}},
		{[]string{"create", "-o", "new.a", "@missing.params"}, "new.a", []string{"missing.params"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			before, _ := os.ReadFile(tc.out)
			var stdout, stderr bytes.Buffer
			if code := runArgs(tc.args, &stdout, &stderr); code != 1 {
				t.Fatalf("exit %d, want 1; stderr: %s", code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not mention %q", stderr.String(), w)
				}
			}
			after, _ := os.ReadFile(tc.out)
			if !bytes.Equal(before, after) {
				t.Errorf("%s changed: %q -> %q", tc.out, before, after)
			}
			entries, _ := filepath.Glob(".*.tmp*")
			if len(entries) != 0 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestListBadArchive(t *testing.T) {
	inTree(t, map[string]string{"notar.a": "hello, world\n"})
	var stdout, stderr bytes.Buffer
	if code := runArgs([]string{"list", "notar.a"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "notar.a") || !strings.Contains(stderr.String(), "bad magic") {
		t.Errorf("stderr %q does not name the file and the problem", stderr.String())
	}
}

func TestUsageExit(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runArgs([]string{"create"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "usage:") {
		t.Errorf("stderr %q has no usage", stderr.String())
	}
}

// BenchmarkCreateThin2000 compares whole processes on the same input: this
// binary acting as `archiver create`, and `ar cDPrST`, each making a thin
// archive of 2,000 synthetic objects. Report ours ÷ native from the two
// ns/op figures; bench/helpers.sh measures the same side by side.
func BenchmarkCreateThin2000(b *testing.B) {
	dir := b.TempDir()
	b.Chdir(dir)
	var inputs []string
	for i := range 2000 {
		name := fmt.Sprintf("drivers/subsys%02d/part%d/object_number_%04d.o", i%40, i%3, i)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(name, bytes.Repeat([]byte{byte(i)}, 64+i%512), 0o644); err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, name)
	}
	params := strings.Join(inputs, "\n") + "\n"
	if err := os.WriteFile("inputs.params", []byte(params), 0o644); err != nil {
		b.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, env []string, name string, args ...string) {
		b.Helper()
		for b.Loop() {
			os.Remove("built-in.a")
			cmd := exec.Command(name, args...)
			cmd.Env = append(os.Environ(), env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
		}
	}
	b.Run("archiver", func(b *testing.B) {
		run(b, []string{"ARCHIVER_TEST_RUN_MAIN=1"}, self, "create", "-o", "built-in.a", "@inputs.params")
	})
	b.Run("gnu-ar", func(b *testing.B) {
		ar := os.Getenv("FIPS140_TEST_AR")
		if ar == "" {
			if ar, err = exec.LookPath("ar"); err != nil {
				testskip.Skipf(b, "ar not found: set FIPS140_TEST_AR to its path")
			}
		}
		run(b, nil, ar, "cDPrST", "built-in.a", "@inputs.params")
	})
}
