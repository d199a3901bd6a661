package modpost

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// collect keeps the bytes sumSourceFile would hash.
type collect struct{ b []byte }

func (c *collect) write(p []byte) { c.b = append(c.b, p...) }

func TestSumSourceFile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"int  a ;\n", "inta;"},
		{"a\\\nb", "ab"},
		{"a\\ b", "a\\b"},
		{"\"a  b\" c", "\"a  b\"c"},
		{`"a\"  b" c`, `"a\"  b"c`},
		{"\"open  string", "\"open  string"},
		{"a /* x\ny */ b", "ab"},
		{"a /*/ b */c", "ab*/c"}, // "/*/" is a whole comment to modpost
		{"a /* open", "a"},
		{"a/*", "a"},
		{"a // b\n", "a//b"},
		{"a\v\f\r\tb", "ab"},
		{"a\x00b", "a"},
		{"\xc3\xa9", "\xc3\xa9"},
		{"\"", "\""},
	}
	for _, tt := range tests {
		var c collect
		sumSourceFile([]byte(tt.in), &c)
		if string(c.b) != tt.want {
			t.Errorf("sumSourceFile(%q) sums %q, want %q", tt.in, c.b, tt.want)
		}
	}
}

func TestInDir(t *testing.T) {
	tests := []struct {
		file, dir string
		want      bool
	}{
		{"./exp.h", "./", true},
		{"./sub/x.h", "./", false},
		{"include/linux/kconfig.h", "./", false},
		{"sub/a.h", "sub/", true},
		{"other/sub/c.h", "sub/", true}, // first "sub/" ends at the last slash
		{"sub/x/b.h", "sub/", false},
		{"a.h", "", false},
		{"a.h", "/", true}, // modpost's NULL arithmetic
		{"/a.h", "/", true},
		{"/x/a.h", "/", false},
	}
	for _, tt := range tests {
		if got := inDir(tt.file, tt.dir); got != tt.want {
			t.Errorf("inDir(%q, %q) = %v, want %v", tt.file, tt.dir, got, tt.want)
		}
	}
}

func TestCLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\n\nb\n", []string{"a", "", "b"}},
		{"\n", []string{""}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, cLines([]byte(tt.in))); diff != "" {
			t.Errorf("cLines(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// srcRun returns a run that reads side files from files.
func srcRun(files map[string]string) *run {
	return &run{cfg: Config{ReadFile: func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("no such file")
	}}}
}

func TestSrcVersion(t *testing.T) {
	files := map[string]string{
		"m.mod":      "./m.o\n",
		"./.m.o.cmd": "source_m.o := m.c\ndeps_m.o := \\\n  ./m.h \\\n  /usr/x.h \\\n\n",
		"m.c":        "int m;",
		"./m.h":      "/* c */ int h;",
	}
	r := srcRun(files)
	got := r.srcVersion("m.mod")
	if len(got) != 23 || strings.Trim(got, "0123456789ABCDEF") != "" {
		t.Errorf("srcversion %q: want 23 upper-case hex digits", got)
	}
	// Only summed bytes matter: reformatting keeps the sum.
	files["m.c"] = "int   m ; /* x */"
	if again := srcRun(files).srcVersion("m.mod"); again != got {
		t.Errorf("srcversion changed with white space and comments: %q, then %q", got, again)
	}
	files["./m.h"] = "int h2;"
	if changed := srcRun(files).srcVersion("m.mod"); changed == got {
		t.Errorf("srcversion did not change with a dependency in the object's directory")
	}
}

// FuzzSrcversion runs srcversion over a fuzzed .cmd file and source, any
// path reading as the source: it must not panic, and it ends the run only
// through modpost's exit.
func FuzzSrcversion(f *testing.F) {
	f.Add([]byte("source_m.o := m.c\ndeps_m.o := \\\n  ./m.h \\\n\n"), []byte("int /* c */ \"s\" x;\\\n"))
	f.Add([]byte("  source_m.o:=x\n"), []byte("\"open"))
	f.Fuzz(func(t *testing.T, cmd, src []byte) {
		r := &run{cfg: Config{ReadFile: func(name string) ([]byte, error) {
			switch name {
			case "m.mod":
				return []byte("./m.o\n"), nil
			case "./.m.o.cmd":
				return cmd, nil
			}
			return src, nil
		}}}
		v := r.srcVersion("m.mod")
		if v != "" && len(v) != 23 {
			t.Fatalf("srcversion %q", v)
		}
	})
}
