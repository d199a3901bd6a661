package link

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// blobObject writes a valid ET_REL object for arch holding data in section.
func blobObject(t *testing.T, dir, file string, b elf.Blob, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, file)
	var buf bytes.Buffer
	if err := b.Write(&buf, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// thinArchive writes a GNU thin archive listing members (paths relative to
// the archive), with every name in the long-name table as `ar cDPrST`
// writes them.
func thinArchive(t *testing.T, path string, members ...string) string {
	t.Helper()
	var names bytes.Buffer
	var offs []int
	for _, m := range members {
		offs = append(offs, names.Len())
		names.WriteString(m + "/\n")
	}
	if names.Len()%2 == 1 {
		names.WriteString("\n")
	}
	var b bytes.Buffer
	b.WriteString("!<thin>\n")
	fmt.Fprintf(&b, "%-16s%-12s%-6s%-6s%-8s%-10d`\n", "//", "", "", "", "", names.Len())
	b.Write(names.Bytes())
	for i, m := range members {
		size := int64(0)
		if st, err := os.Stat(filepath.Join(filepath.Dir(path), m)); err == nil {
			size = st.Size()
		}
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8o%-10d`\n", fmt.Sprintf("/%d", offs[i]), 0, 0, 0, 0o644, size)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBadInput checks that bad inputs fail before the linker runs (the
// linker path does not exist, so running it would fail differently), with
// an error naming the file and the problem, and leave no output behind.
func TestBadInput(t *testing.T) {
	noLD := Tool{Path: "/nonexistent/ld"}
	for _, tt := range []struct {
		name string
		// do runs the verb in dir with output dir/out and returns its error.
		do   func(t *testing.T, dir, out string) error
		want []string // substrings of the error, with DIR for dir
	}{
		{"partial: missing input", func(t *testing.T, dir, out string) error {
			_, err := Partial{LD: noLD, Inputs: []string{filepath.Join(dir, "missing.a")}, Out: out}.Link()
			return err
		}, []string{"DIR/missing.a", "cannot open"}},
		{"partial: no inputs", func(t *testing.T, dir, out string) error {
			_, err := Partial{LD: noLD, Out: out}.Link()
			return err
		}, []string{"no input objects"}},
		{"partial: mixed x86_64 and aarch64 objects", func(t *testing.T, dir, out string) error {
			x := blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			a := blobObject(t, dir, "a.o", elf.Blob{Arch: elf.ARM64, Name: "a"}, []byte("a"))
			_, err := Partial{LD: noLD, Inputs: []string{x, a}, Out: out}.Link()
			return err
		}, []string{"DIR/a.o", "mixed architectures", "arm64", "DIR/x.o is x86_64"}},
		{"partial: mixed members of a thin archive", func(t *testing.T, dir, out string) error {
			blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			blobObject(t, dir, "a.o", elf.Blob{Arch: elf.ARM64, Name: "a"}, []byte("a"))
			ar := thinArchive(t, filepath.Join(dir, "crypto-module.a"), "x.o", "a.o")
			_, err := Partial{LD: noLD, Inputs: []string{ar}, Out: out}.Link()
			return err
		}, []string{"DIR/a.o", "mixed architectures"}},
		{"partial: thin archive member missing", func(t *testing.T, dir, out string) error {
			blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			ar := thinArchive(t, filepath.Join(dir, "crypto-module.a"), "x.o", "gone.o")
			_, err := Partial{LD: noLD, Inputs: []string{ar}, Out: out}.Link()
			return err
		}, []string{"DIR/crypto-module.a: bad archive", "member gone.o", "DIR/gone.o: no such file or directory"}},
		{"partial: truncated archive", func(t *testing.T, dir, out string) error {
			p := filepath.Join(dir, "cut.a")
			os.WriteFile(p, []byte("!<thin>\n//  "), 0o644)
			_, err := Partial{LD: noLD, Inputs: []string{p}, Out: out}.Link()
			return err
		}, []string{"DIR/cut.a", "bad archive", "truncated"}},
		{"partial: truncated ELF", func(t *testing.T, dir, out string) error {
			x := blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			data, _ := os.ReadFile(x)
			os.WriteFile(x, data[:40], 0o644)
			_, err := Partial{LD: noLD, Inputs: []string{x}, Out: out}.Link()
			return err
		}, []string{"DIR/x.o", "truncated ELF header"}},
		{"partial: not an object", func(t *testing.T, dir, out string) error {
			p := filepath.Join(dir, "notes.txt")
			os.WriteFile(p, []byte("hello, world\n"), 0o644)
			_, err := Partial{LD: noLD, Inputs: []string{p}, Out: out}.Link()
			return err
		}, []string{"DIR/notes.txt", "not an ELF file"}},
		{"ko: missing module.lds", func(t *testing.T, dir, out string) error {
			x := blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			_, err := Module{LD: noLD, ModuleLDS: filepath.Join(dir, "module.lds"), Objects: []string{x}, Out: out}.Link()
			return err
		}, []string{"DIR/module.lds", "cannot open"}},
		{"ko: mixed objects", func(t *testing.T, dir, out string) error {
			x := blobObject(t, dir, "fips140.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			a := blobObject(t, dir, "fips140.mod.o", elf.Blob{Arch: elf.ARM64, Name: "a"}, []byte("a"))
			lds := filepath.Join(dir, "module.lds")
			os.WriteFile(lds, []byte("SECTIONS {}\n"), 0o644)
			_, err := Module{LD: noLD, ModuleLDS: lds, Objects: []string{x, a}, Out: out}.Link()
			return err
		}, []string{"DIR/fips140.mod.o", "mixed architectures"}},
		{"vmlinux: no digest object", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			delete(v.Embedded, "fips140-hmac")
			_, err := v.Link()
			return err
		}, []string{"no -fips140-hmac object"}},
		{"vmlinux: blob in .data", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			v.Embedded["fips140-ko"] = blobObject(t, dir, "ko.o", elf.Blob{Arch: elf.X86_64, Name: "crypto/fips140/fips140.ko"}, []byte("ko"))
			_, err := v.Link()
			return err
		}, []string{"DIR/ko.o", "has section .data", ".fips140_module_data"}},
		{"vmlinux: blob defines a script symbol", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			v.Embedded["fips140-ko"] = blobObject(t, dir, "ko.o", elf.Blob{Arch: elf.X86_64, Name: "fips140.ko", Section: ".fips140_module_data"}, []byte("ko"))
			_, err := v.Link()
			return err
		}, []string{"DIR/ko.o", "defines _binary_fips140_ko_start"}},
		{"vmlinux: blob for another architecture", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			v.Embedded["fips140-hmac"] = blobObject(t, dir, "hmac.o", elf.Blob{Arch: elf.ARM64, Name: "h", Section: ".fips140_digest"}, []byte("h"))
			_, err := v.Link()
			return err
		}, []string{"DIR/hmac.o", "mixed architectures"}},
		{"vmlinux: BTF object without -btf", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			v.Embedded["fips140-btf"] = blobObject(t, dir, "btf.o", elf.Blob{Arch: elf.X86_64, Name: "b", Section: ".fips140_btf"}, []byte("b"))
			_, err := v.Link()
			return err
		}, []string{"DIR/btf.o", "-fips140-btf", "no .fips140_btf section"}},
		{"vmlinux: bad insert point", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			v.Insert = "middle:.data"
			_, err := v.Link()
			return err
		}, []string{`bad insert point "middle:.data"`}},
		{"vmlinux: missing kernel script", func(t *testing.T, dir, out string) error {
			v := vmlinuxInputs(t, dir, elf.X86_64)
			v.KernelLDS = filepath.Join(dir, "vmlinux.lds")
			_, err := v.Link()
			return err
		}, []string{"DIR/vmlinux.lds", "cannot open"}},
		{"vmlinux: the linker is missing", func(t *testing.T, dir, out string) error {
			_, err := vmlinuxInputs(t, dir, elf.X86_64).Link()
			return err
		}, []string{"/nonexistent/ld"}},
		{"gen-main: no parts", func(t *testing.T, dir, out string) error {
			x := blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			parts, err := PartsFromObjects([]string{x})
			if err != nil {
				return err
			}
			_, err = MainC(parts, MainOptions{})
			return err
		}, []string{"no parts"}},
		{"gen-main: mixed objects", func(t *testing.T, dir, out string) error {
			x := blobObject(t, dir, "x.o", elf.Blob{Arch: elf.X86_64, Name: "x"}, []byte("x"))
			a := blobObject(t, dir, "a.o", elf.Blob{Arch: elf.ARM64, Name: "a"}, []byte("a"))
			_, err := PartsFromObjects([]string{x, a})
			return err
		}, []string{"DIR/a.o", "want EM_X86_64"}},
		{"gen-main: bad part name", func(t *testing.T, dir, out string) error {
			_, err := MainC([]Part{{"aes-ce", true, true}}, MainOptions{})
			return err
		}, []string{`part name "aes-ce" has a byte other than a letter, a digit or '_'`}},
		{"gen-main: bad self-test hook", func(t *testing.T, dir, out string) error {
			_, err := MainC([]Part{{"x", true, true}}, MainOptions{SelftestWait: "wait()"})
			return err
		}, []string{"self-test wait function", `"wait()"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			before := listDir(t, dir)
			err := tt.do(t, dir, filepath.Join(dir, "out"))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, name := range listDir(t, dir) {
				if name == "out" || strings.HasPrefix(name, ".out") {
					t.Errorf("left %s behind (before: %v)", name, before)
				}
			}
		})
	}
}

// vmlinuxInputs is a valid x86_64 vmlinux link, but for its missing linker.
func vmlinuxInputs(t *testing.T, dir string, arch elf.Arch) Vmlinux {
	t.Helper()
	v := Vmlinux{LD: Tool{Path: "/nonexistent/ld"}, Out: filepath.Join(dir, "out"), Embedded: map[string]string{}}
	v.Inputs = []string{blobObject(t, dir, "vmlinux.o", elf.Blob{Arch: arch, Name: "vmlinux", Section: ".rodata"}, []byte("kernel"))}
	for _, k := range KindsFor(false, false) {
		v.Embedded[k.Flag] = blobObject(t, dir, k.Flag+".o", elf.Blob{Arch: arch, Name: "crypto/" + k.Flag, Section: k.InputSection}, []byte(k.Flag))
	}
	return v
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestLinkerFailure checks that a failing link reports the linker's stderr,
// which names the bad file, and leaves no output.
func TestLinkerFailure(t *testing.T) {
	tc := &toolchain{ld: findTool(t, "LD", "ld", elf.X86_64)}
	dir := t.TempDir()
	v := vmlinuxInputs(t, dir, elf.X86_64)
	v.LD = Tool{Path: tc.ld}
	v.KernelLDS = filepath.Join(dir, "vmlinux.lds")
	if err := os.WriteFile(v.KernelLDS, []byte("SECTIONS {\n\t.text : { *(.text) = ; }\n\t.data : { *(.data) }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := v.Link()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{v.KernelLDS + ":2:", "syntax error", "command: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	for _, name := range listDir(t, dir) {
		if name == "out" || strings.HasPrefix(name, ".out") {
			t.Errorf("left %s behind", name)
		}
	}
}
