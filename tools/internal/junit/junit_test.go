package junit

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// render prints what Skips found, or its error, for a golden file.
func render(skips []Skip, err error) []byte {
	var b bytes.Buffer
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return b.Bytes()
	}
	for _, s := range skips {
		fmt.Fprintf(&b, "%s %s allowed=%v reason=%q\n", s.Suite, s.Test, s.Allowed(), s.Reason())
	}
	return b.Bytes()
}

func TestSkipsGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/*.xml: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".xml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+".golden", render(Skips(bytes.NewReader(data))), *update)
		})
	}
}

func FuzzSkips(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.xml")
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		skips, err := Skips(bytes.NewReader(data))
		if err != nil {
			if skips != nil {
				t.Errorf("Skips returned %d skips with error %v", len(skips), err)
			}
			return
		}
		for _, s := range skips {
			// A skip's reason is one line of its output.
			if r := s.Reason(); strings.Contains(r, "\n") || (r != "" && !strings.Contains(s.Output, r)) {
				t.Errorf("Reason %q is not a line of the output %q", r, s.Output)
			}
		}
	})
}

func TestLabel(t *testing.T) {
	for rel, want := range map[string]string{
		"tools/internal/ar/ar_test":                  "//tools/internal/ar:ar_test",
		"gazelle_test":                               "//:gazelle_test",
		"tests/repro/repro_test/shard_1_of_4":        "//tests/repro:repro_test",
		"tests/e2e/e2e_test/run_2_of_3/shard_1_of_2": "//tests/e2e:e2e_test",
	} {
		if got := Label(rel); got != want {
			t.Errorf("Label(%q) = %q, want %q", rel, got, want)
		}
	}
}

func TestWalkSkips(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/rules_go.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"tools/elf/elf_test", "tests/a/b_test/shard_2_of_2"} {
		if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel, "test.xml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "tests/a/b_test/shard_2_of_2/test.log"), []byte("not xml"), 0o644)
	link := filepath.Join(t.TempDir(), "bazel-testlogs")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	skips, err := WalkSkips(link)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range skips {
		got = append(got, s.Target+" "+s.Test)
	}
	want := "//tests/a:b_test TestRead/mode_000,//tests/a:b_test TestDiff,//tools/elf:elf_test TestRead/mode_000,//tools/elf:elf_test TestDiff"
	if strings.Join(got, ",") != want {
		t.Errorf("WalkSkips = %q, want %q", strings.Join(got, ","), want)
	}
	os.WriteFile(filepath.Join(dir, "tools/elf/elf_test/test.xml"), []byte("<html/>"), 0o644)
	if _, err := WalkSkips(dir); err == nil || !strings.Contains(err.Error(), "tools/elf/elf_test/test.xml: not a JUnit XML report") {
		t.Errorf("WalkSkips with a broken report: %v, want the file named", err)
	}
}
