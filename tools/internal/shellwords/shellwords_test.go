package shellwords

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"gcc -c -o a.o a.c", []string{"gcc", "-c", "-o", "a.o", "a.c"}},
		{`gcc -DKBUILD_MODNAME='"probe"' -D__KBUILD_MODNAME=probe`, []string{"gcc", `-DKBUILD_MODNAME="probe"`, "-D__KBUILD_MODNAME=probe"}},
		{`cc -DARM64_ASM_ARCH='"armv8.5-a"'  x`, []string{"cc", `-DARM64_ASM_ARCH="armv8.5-a"`, "x"}},
		{`a "b c" d\ e "f\"g"`, []string{"a", "b c", "d e", `f"g`}},
		{"  lead\ttab  ", []string{"lead", "tab"}},
	} {
		got, err := Split(tc.in)
		if err != nil {
			t.Errorf("Split(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Split(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, bad := range []string{`a 'b`, `a "b`} {
		if _, err := Split(bad); err == nil {
			t.Errorf("Split(%q) = nil error, want unterminated quote", bad)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"gcc -c a.c", `x '"y"' "z\"" w\ v`, "'", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := Split(s)
		if err != nil {
			return
		}
		// Quoting every word again gives the same words back.
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
		}
		again, err := Split(strings.Join(quoted, " "))
		if err != nil {
			t.Fatalf("requoted %q: %v", words, err)
		}
		if diff := cmp.Diff(words, again); diff != "" {
			t.Fatalf("round trip of %q (-first +again):\n%s", s, diff)
		}
	})
}
