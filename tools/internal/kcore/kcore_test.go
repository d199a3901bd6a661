package kcore

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/kcore/kcoretest"
	"github.com/rules-fips140/rules_fips140/tools/internal/link"
)

const kallsyms = `ffffffff81000000 T _text
ffffffff82000000 R _binary_fips140_ko_start
ffffffff82000010 R _binary_fips140_ko_end
ffffffff82000010 R _binary_fips140_hmac_start
ffffffff82000030 R _binary_fips140_hmac_end
ffffffffc0000000 t some_fn	[wp512]
`

func embeddedImage(t testing.TB, module, digest []byte) []byte {
	data := append(append([]byte{}, module...), digest...)
	return kcoretest.Core(kcoretest.Segment{Vaddr: 0xffffffff81000000, Data: []byte("text")}, kcoretest.Segment{Vaddr: 0xffffffff82000000, Data: data})
}

func read(t *testing.T, core []byte, syms string) ([]byte, []byte, error) {
	t.Helper()
	s, err := Symbols("kallsyms", strings.NewReader(syms), Module.Start, Module.End, Digest.Start, Digest.End)
	if err != nil {
		return nil, nil, err
	}
	m, err := Open("kcore", bytes.NewReader(core))
	if err != nil {
		return nil, nil, err
	}
	ko, err := m.Blob(s, Module)
	if err != nil {
		return nil, nil, err
	}
	digest, err := m.Blob(s, Digest)
	return ko, digest, err
}

func TestEmbeddedModule(t *testing.T) {
	key := []byte("a key of the kernel config")
	module := []byte("0123456789abcdef") // 16 bytes: 0x...00 to 0x...10
	good := embeddedImage(t, module, integrity.SumBytes(module, key))
	ko, digest, err := read(t, good, kallsyms)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(module, ko); diff != "" {
		t.Errorf("module (-want +got):\n%s", diff)
	}
	if err := CheckDigest(ko, digest, key); err != nil {
		t.Errorf("CheckDigest of a good image: %v", err)
	}
	// The checks that must fail: another key, and changed bytes.
	if err := CheckDigest(ko, digest, []byte("another key")); !errors.Is(err, integrity.ErrMismatch) {
		t.Errorf("CheckDigest with another key: %v, want a mismatch", err)
	}
	flipped := append([]byte{}, module...)
	flipped[3] ^= 1
	ko, digest, err = read(t, embeddedImage(t, flipped, integrity.SumBytes(module, key)), kallsyms)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckDigest(ko, digest, key); !errors.Is(err, integrity.ErrMismatch) {
		t.Errorf("CheckDigest of a changed module: %v, want a mismatch", err)
	}
}

func TestSymbolsErrors(t *testing.T) {
	for _, tc := range []struct{ syms, want string }{
		{"ffffffff82000000 R _binary_fips140_ko_start\n", "no symbol _binary_fips140_ko_end"},
		{"0000000000000000 R _binary_fips140_ko_start\n", "address 0"},
		{"zz R _binary_fips140_ko_start\n", "kallsyms:1: bad address"},
		{"1 R _binary_fips140_ko_start\n2 R _binary_fips140_ko_start\n", "kallsyms:2: _binary_fips140_ko_start is listed twice"},
	} {
		_, err := Symbols("kallsyms", strings.NewReader(tc.syms), Module.Start, Module.End)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Symbols(%q) = %v, want %q", tc.syms, err, tc.want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	m, err := Open("kcore", bytes.NewReader(kcoretest.Core(kcoretest.Segment{Vaddr: 0x1000, Data: make([]byte, 16)})))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]uint64{{0x2000, 0x2008}, {0x1008, 0x1018}, {0x1010, 0x1000}} {
		if _, err := m.Read(r[0], r[1]); err == nil || !strings.Contains(err.Error(), "kcore") {
			t.Errorf("Read(%#x, %#x) = %v, want an error naming kcore", r[0], r[1], err)
		}
	}
	if _, err := Open("notelf", strings.NewReader("not an ELF file at all, really")); err == nil {
		t.Error("Open of a non-ELF file: no error")
	}
}

// The bounds here are the ones the vmlinux link defines.
func TestBoundsMatchTheLink(t *testing.T) {
	want := map[string]Bounds{}
	for _, k := range link.EmbeddedKinds() {
		want[k.Flag] = Bounds{k.Start, k.End}
	}
	for flag, b := range map[string]Bounds{"fips140-ko": Module, "fips140-hmac": Digest, "nonfips140-ko": NonFIPS} {
		if want[flag] != b {
			t.Errorf("%s: kcore reads %v, the link defines %v", flag, b, want[flag])
		}
	}
}

func FuzzSymbols(f *testing.F) {
	f.Add(kallsyms)
	f.Fuzz(func(t *testing.T, syms string) {
		s, err := Symbols("fuzz", strings.NewReader(syms), Module.Start, Module.End)
		if err != nil {
			return
		}
		if s[Module.Start] == 0 || s[Module.End] == 0 {
			t.Fatalf("a zero address was accepted: %v", s)
		}
	})
}

func FuzzRead(f *testing.F) {
	f.Add(embeddedImage(f, []byte("module"), make([]byte, 32)), uint64(0xffffffff82000000), uint64(6))
	f.Fuzz(func(t *testing.T, core []byte, start, size uint64) {
		m, err := Open("fuzz", bytes.NewReader(core))
		if err != nil {
			return
		}
		size %= 1 << 16
		data, err := m.Read(start, start+size)
		if err == nil && uint64(len(data)) != size {
			t.Fatalf("Read returned %d bytes, want %d", len(data), size)
		}
	})
}
