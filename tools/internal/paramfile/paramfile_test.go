package paramfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	multi := write("multi.params", "-o\nout.a\nwith space.o\n")
	crlf := write("crlf.params", "a.o\r\nb.o\r\n")
	empty := write("empty.params", "")
	noNewline := write("last.params", "x.o")

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no params", []string{"-v", "a.o"}, []string{"-v", "a.o"}},
		{"one file", []string{"-c", "@" + multi}, []string{"-c", "-o", "out.a", "with space.o"}},
		{"order kept", []string{"first", "@" + multi, "last"}, []string{"first", "-o", "out.a", "with space.o", "last"}},
		{"crlf", []string{"@" + crlf}, []string{"a.o", "b.o"}},
		{"empty file", []string{"@" + empty, "z"}, []string{"z"}},
		{"no final newline", []string{"@" + noNewline}, []string{"x.o"}},
		{"escaped at", []string{"@@literal"}, []string{"@literal"}},
		{"lone at", []string{"@"}, []string{"@"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Expand(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Expand(%q) mismatch (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestExpandMissingFileNamesIt(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.params")
	_, err := Expand([]string{"@" + missing})
	if err == nil {
		t.Fatal("Expand of a missing parameter file succeeded")
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name the file %s", err, missing)
	}
}
