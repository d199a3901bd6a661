package modinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The inputs are .modinfo sections of real module objects (wp512.o for
// x86_64, rmd160.o for arm64, built by kbuild from linux-source-7.2), dumped
// with `objcopy -O binary --only-section=.modinfo`. The .golden files were
// made from them with `tr -s '\0' '\n'`, not by this package.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.modinfo")
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no testdata/*.modinfo inputs")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			info, err := Parse(in, data)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, e := range info {
				b.WriteString(e.Key + "=" + e.Value + "\n")
			}
			golden := strings.TrimSuffix(in, ".modinfo") + ".golden"
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("entries differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		data string
		want Info
	}{
		{"empty", "", nil},
		{"padding only", "\x00\x00\x00", nil},
		{"one", "license=GPL\x00", Info{{"license", "GPL"}}},
		{"padded", "\x00\x00name=fips140\x00\x00\x00alias=crypto-sha256\x00alias=sha256\x00",
			Info{{"name", "fips140"}, {"alias", "crypto-sha256"}, {"alias", "sha256"}}},
		{"empty value", "depends=\x00", Info{{"depends", ""}}},
		{"value with equals", "parm=x:a=b\x00", Info{{"parm", "x:a=b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("m.ko", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.data, diff)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	info := Info{{"alias", "a"}, {"name", "fips140"}, {"alias", "b"}}
	if got := info.All("alias"); !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("All(alias) = %q", got)
	}
	if v, ok := info.Get("name"); !ok || v != "fips140" {
		t.Errorf("Get(name) = %q, %v", v, ok)
	}
	if _, ok := info.Get("license"); ok {
		t.Error("Get(license) found a value that is not there")
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"unterminated", "license=GPL", "not NUL-terminated"},
		{"no equals", "license\x00", "has no '='"},
		{"empty key", "=GPL\x00", "empty key"},
		{"second entry bad", "license=GPL\x00junk\x00", "offset 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.ko", []byte(tc.data))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tc.data)
			}
			if !strings.Contains(err.Error(), "bad.ko") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q: want the file name and %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("license=GPL\x00\x00name=x\x00"))
	f.Add([]byte("=\x00"))
	f.Add([]byte("a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		// Re-serialising the entries and parsing again gives the same entries.
		var b []byte
		for _, e := range info {
			b = append(b, e.Key+"="+e.Value+"\x00"...)
		}
		again, err := Parse("fuzz", b)
		if err != nil {
			t.Fatalf("re-parse failed: %v", err)
		}
		if !cmp.Equal(info, again, cmpopts.EquateEmpty()) {
			t.Fatalf("re-parse differs: %q vs %q", info, again)
		}
	})
}
