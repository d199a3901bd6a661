package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMain lets the tests run this test binary as the embed command.
func TestMain(m *testing.M) {
	if os.Getenv("EMBED_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// embedCmd runs the embed command in dir and returns its exit code and
// standard error.
func embedCmd(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "EMBED_TEST_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// inputs writes the test inputs into a fresh directory and returns it.
func inputs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	object := func(arch elf.Arch) []byte {
		b, err := elf.Blob{Arch: arch, Name: "inner.bin"}.Bytes([]byte("pretend module code"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	module := func(modinfo string) []byte {
		b, err := elf.Blob{Arch: elf.X86_64, Name: "modinfo", Section: ".modinfo"}.Bytes([]byte(modinfo))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	x86 := object(elf.X86_64)
	exe := bytes.Clone(x86)
	binary.LittleEndian.PutUint16(exe[16:], 2) // ET_EXEC
	digest := sha256.Sum256([]byte("fips140.ko"))
	for name, data := range map[string][]byte{
		"fips140.ko":       x86,
		"named.ko":         module("license=GPL\x00name=fips140\x00"),
		"other.ko":         module("name=serpent_generic\x00"),
		"nameless.ko":      module("license=GPL\x00"),
		"badinfo.ko":       module("name"),
		"arm64/fips140.ko": object(elf.ARM64),
		".fips140.hmac":    digest[:],
		"exec.ko":          exe,
		"truncated.ko":     x86[:40],
		"notes.txt":        []byte("not an object\n"),
		"args.txt":         []byte("-arch\nx86_64\n-in\nfips140.ko\n-out\nout.o\n-section\n.fips140_module_data\n-align\n8\n-check-elf\n"),
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		golden string
	}{
		{"module", []string{"-arch", "x86_64", "-in", "fips140.ko", "-out", "out.o", "-section", ".fips140_module_data", "-align", "8", "-check-elf"}, "module.x86_64.o"},
		{"paramfile", []string{"@args.txt"}, "module.x86_64.o"},
		{"module arm64", []string{"-arch", "arm64", "-in", "arm64/fips140.ko", "-name", "fips140.ko", "-out", "out.o", "-section", ".fips140_module_data", "-align", "8", "-check-elf"}, "module.arm64.o"},
		{"digest", []string{"-arch", "arm64", "-in", ".fips140.hmac", "-out", "out.o", "-section", ".fips140_digest", "-readonly"}, "digest.arm64.o"},
		{"nonfips140", []string{"-arch", "x86_64", "-in", "fips140.ko", "-out", "out.o", "-section", ".nonfips140_module_data", "-prefix", "nonfips140_", "-align", "8"}, "nonfips140.x86_64.o"},
		{"plain", []string{"-arch", "x86_64", "-in", "arm64/fips140.ko", "-out", "out.o"}, "plain.x86_64.o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := inputs(t)
			if code, stderr := embedCmd(t, dir, tc.args...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got, err := os.ReadFile(filepath.Join(dir, "out.o"))
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tc.golden, got, *update)
			st, err := os.Stat(filepath.Join(dir, "out.o"))
			if err != nil || st.Mode().Perm() != 0o644 {
				t.Errorf("out.o mode %v, %v; want 0644", st.Mode(), err)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	common := []string{"-out", "out.o", "-section", ".fips140_module_data"}
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"missing input", []string{"-arch", "x86_64", "-in", "missing.ko"}, 1, "embed: open missing.ko: no such file or directory"},
		{"directory input", []string{"-arch", "x86_64", "-in", "arm64"}, 1, "embed: arm64: not a regular file"},
		{"not ELF", []string{"-arch", "x86_64", "-in", "notes.txt", "-check-elf"}, 1, "embed: notes.txt: not an ELF file"},
		{"truncated ELF", []string{"-arch", "x86_64", "-in", "truncated.ko", "-check-elf"}, 1, "embed: truncated.ko: truncated ELF header: 40 bytes, want 64"},
		{"wrong machine", []string{"-arch", "x86_64", "-in", "arm64/fips140.ko", "-check-elf"}, 1, "embed: arm64/fips140.ko: machine EM_AARCH64 (arm64), want EM_X86_64 (x86_64)"},
		{"other wrong machine", []string{"-arch", "arm64", "-in", "fips140.ko", "-check-elf"}, 1, "embed: fips140.ko: machine EM_X86_64 (x86_64), want EM_AARCH64 (arm64)"},
		{"not ET_REL", []string{"-arch", "x86_64", "-in", "exec.ko", "-check-elf"}, 1, "embed: exec.ko: ELF type ET_EXEC, want ET_REL"},
		{"not a module", []string{"-arch", "x86_64", "-in", "fips140.ko", "-check-module", "fips140"}, 1, "embed: fips140.ko: not a kernel module: no .modinfo section"},
		{"other module", []string{"-arch", "x86_64", "-in", "other.ko", "-check-module", "fips140"}, 1, `embed: other.ko: the module is named "serpent_generic", want "fips140"`},
		{"nameless module", []string{"-arch", "x86_64", "-in", "nameless.ko", "-check-module", "fips140"}, 1, "embed: nameless.ko: .modinfo has no name=, want name=fips140"},
		{"bad modinfo", []string{"-arch", "x86_64", "-in", "badinfo.ko", "-check-module", "fips140"}, 1, "badinfo.ko: .modinfo: entry"},
		{"module for another arch", []string{"-arch", "arm64", "-in", "named.ko", "-check-module", "fips140"}, 1, "want EM_AARCH64 (arm64)"},
		{"unknown arch", []string{"-arch", "riscv", "-in", "fips140.ko"}, 2, `unknown architecture "riscv"`},
		{"no arch", []string{"-in", "fips140.ko"}, 2, "-arch, -in and -out are required"},
		{"readonly and flags", []string{"-arch", "x86_64", "-in", "fips140.ko", "-readonly", "-flags", "alloc,contents"}, 2, "cannot be used together"},
		{"bad flags", []string{"-arch", "x86_64", "-in", "fips140.ko", "-flags", "alloc,merge,contents"}, 2, `unsupported flag "merge"`},
		{"flags without contents", []string{"-arch", "x86_64", "-in", "fips140.ko", "-flags", "alloc,load,readonly"}, 2, `lack "contents"`},
		{"bad align", []string{"-arch", "x86_64", "-in", "fips140.ko", "-align", "12"}, 2, "not a power of two"},
		{"reserved section", []string{"-arch", "x86_64", "-in", "fips140.ko", "-section", ".rela.data"}, 2, "reserved"},
		{"stray argument", []string{"-arch", "x86_64", "-in", "fips140.ko", "extra"}, 2, "unexpected arguments"},
		{"missing paramfile", []string{"@nothere.txt"}, 2, "nothere.txt"},
		{"output dir missing", []string{"-arch", "x86_64", "-in", "fips140.ko", "-out", "nodir/out.o"}, 1, "embed: writing nodir/out.o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := inputs(t)
			if err := os.WriteFile(filepath.Join(dir, "out.o"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := listDir(t, dir)
			args := tc.args
			if !strings.HasPrefix(args[0], "@") {
				args = append(append([]string{}, common...), args...)
			}
			code, stderr := embedCmd(t, dir, args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.wantCode, tc.wantErr)
			}
			// A failed run leaves the old output and no temporary file.
			if old, err := os.ReadFile(filepath.Join(dir, "out.o")); err != nil || string(old) != "old" {
				t.Errorf("out.o after a failed run: %q, %v; want it untouched", old, err)
			}
			if after := listDir(t, dir); after != before {
				t.Errorf("directory after a failed run:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}

func TestUnreadableInput(t *testing.T) {
	if os.Geteuid() == 0 {
		testskip.Allowed(t, testskip.AsRoot, "root can read a mode 000 file; TestBadInput covers a directory and a missing file")
	}
	dir := inputs(t)
	if err := os.Chmod(filepath.Join(dir, "fips140.ko"), 0); err != nil {
		t.Fatal(err)
	}
	code, stderr := embedCmd(t, dir, "-arch", "x86_64", "-in", "fips140.ko", "-out", "out.o")
	if code != 1 || !strings.Contains(stderr, "fips140.ko: permission denied") {
		t.Errorf("exit %d, stderr %q; want a permission error naming fips140.ko", code, stderr)
	}
}

func listDir(t *testing.T, dir string) string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		names = append(names, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, "\n")
}

func TestDeterministic(t *testing.T) {
	var outs [][]byte
	for range 2 {
		dir := inputs(t)
		if code, stderr := embedCmd(t, dir, "-arch", "arm64", "-in", "arm64/fips140.ko", "-out", "out.o", "-section", ".fips140_module_data"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		out, err := os.ReadFile(filepath.Join(dir, "out.o"))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two runs on the same input in different directories differ")
	}
}

func TestCheckModule(t *testing.T) {
	dir := inputs(t)
	code, stderr := embedCmd(t, dir, "-arch", "x86_64", "-in", "named.ko", "-out", "out.o", "-section", ".fips140_module_data", "-check-module", "fips140")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.o")); err != nil {
		t.Error(err)
	}
}
