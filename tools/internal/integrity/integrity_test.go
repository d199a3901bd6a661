package integrity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from our output")

// seedKey is the default key of the seed's Kconfig.
const seedKey = "The quick brown fox jumps over the lazy dog while the sphinx of black quartz judges my vow"

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRFC4231 checks Sum against the published HMAC-SHA256 test vectors
// (RFC 4231 section 4: cases 1, 2, 4, 6 and 7; 6 and 7 use a key longer
// than SHA-256's block).
func TestRFC4231(t *testing.T) {
	rep := func(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
	seq := make([]byte, 25)
	for i := range seq {
		seq[i] = byte(i + 1)
	}
	tests := []struct {
		name      string
		key, data []byte
		want      string
	}{
		{"case 1", rep(0x0b, 20), []byte("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"case 2", []byte("Jefe"), []byte("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"case 4", seq, rep(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{"case 6", rep(0xaa, 131), []byte("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{"case 7", rep(0xaa, 131), []byte("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sum(writeFile(t, dir, "m", tc.data), tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tc.want {
				t.Errorf("Sum = %x, want %s", got, tc.want)
			}
		})
	}
}

// TestGolden signs testdata/small.ko with the key of each testdata/*.config.
// The golden digests were made with openssl dgst; TestDifferentialOpenSSL
// checks them against openssl again.
func TestGolden(t *testing.T) {
	configs, err := filepath.Glob("testdata/*.config")
	if err != nil || len(configs) == 0 {
		t.Fatalf("no testdata/*.config: %v", err)
	}
	for _, cfg := range configs {
		t.Run(filepath.Base(cfg), func(t *testing.T) {
			key, err := KeyFromConfig(cfg, DefaultMinKeyLen, nil)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := Sum("testdata/small.ko", key.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), ".fips140.hmac")
			if err := WriteDigest(out, sum); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(cfg, ".config") + ".golden"
			if *update {
				writeFile(t, ".", golden, []byte(hex.EncodeToString(got)+"\n"))
				return
			}
			want := readGolden(t, golden)
			if !bytes.Equal(got, want) {
				t.Errorf("digest of small.ko = %x, golden %s holds %x\nfix with: go test ./tools/internal/integrity -update", got, golden, want)
			}
			if err := Verify("testdata/small.ko", out, key); err != nil {
				t.Errorf("Verify of our own digest: %v", err)
			}
		})
	}
}

func readGolden(t *testing.T, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tools/internal/integrity -update)", err)
	}
	d, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(d) != Size {
		t.Fatalf("%s: not a hex HMAC-SHA256: %v", path, err)
	}
	return d
}

func TestKeyFromConfig(t *testing.T) {
	k, err := KeyFromConfig("testdata/escaped.config", DefaultMinKeyLen, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `0123456789 "quoted" and a back\slash, padded to be well over eighty characters long!`
	if string(k.Bytes) != want {
		t.Errorf("key = %q, want %q", k.Bytes, want)
	}
	if k.Source != "testdata/escaped.config:2 (CONFIG_CRYPTO_FIPS140_HMAC_KEY)" {
		t.Errorf("Source = %q", k.Source)
	}
	var warnings []string
	if _, err := KeyFromConfig("testdata/escaped.config", DefaultMinKeyLen, func(s string) { warnings = append(warnings, s) }); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "testdata/escaped.config:2: the HMAC key holds a double quote or backslash") {
		t.Errorf("warnings = %q, want one about the quote and backslash", warnings)
	}
	warnings = nil
	if _, err := KeyFromConfig("testdata/fips.config", DefaultMinKeyLen, func(s string) { warnings = append(warnings, s) }); err != nil || warnings != nil {
		t.Errorf("fips.config: err %v, warnings %q; want neither", err, warnings)
	}
}

// TestKeyAssignedTwice: the last assignment wins, as in kconfig (and so in
// the kernel's autoconf.h), with a warning naming the line.
func TestKeyAssignedTwice(t *testing.T) {
	dir := t.TempDir()
	first, second := strings.Repeat("a", 80), strings.Repeat("b", 81)
	cfg := writeFile(t, dir, ".config", []byte("CONFIG_CRYPTO_FIPS140_HMAC_KEY=\""+first+"\"\nCONFIG_CRYPTO_FIPS140_HMAC_KEY=\""+second+"\"\n"))
	var warnings []string
	k, err := KeyFromConfig(cfg, DefaultMinKeyLen, func(s string) { warnings = append(warnings, s) })
	if err != nil {
		t.Fatal(err)
	}
	if string(k.Bytes) != second {
		t.Errorf("key = %q, want the second assignment", k.Bytes)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], cfg+":2:") {
		t.Errorf("warnings = %q, want one naming %s:2", warnings, cfg)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	module := writeFile(t, dir, "fips140.ko", []byte("module"))
	config := func(name, line string) string { return writeFile(t, dir, name, []byte("CONFIG_MODULES=y\n"+line+"\n")) }
	good := config("good.config", `CONFIG_CRYPTO_FIPS140_HMAC_KEY="`+seedKey+`"`)
	digest := filepath.Join(dir, "good.hmac")
	sum, err := Sum(module, []byte(seedKey))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDigest(digest, sum); err != nil {
		t.Fatal(err)
	}
	short := writeFile(t, dir, "short.hmac", sum[:31])
	missing := filepath.Join(dir, "missing")
	subdir := filepath.Join(dir, "subdir")
	if err := os.Mkdir(subdir, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		config string
		module string
		digest string // "" signs instead of verifying
		want   []string
	}{
		{"empty key", config("empty.config", `CONFIG_CRYPTO_FIPS140_HMAC_KEY=""`), module, "",
			[]string{"empty.config:2 (CONFIG_CRYPTO_FIPS140_HMAC_KEY): the HMAC key is empty"}},
		{"short key", config("short.config", `CONFIG_CRYPTO_FIPS140_HMAC_KEY="`+strings.Repeat("k", 79)+`"`), module, "",
			[]string{"short.config:2 (CONFIG_CRYPTO_FIPS140_HMAC_KEY): the HMAC key is 79 characters long; at least 80 are required"}},
		{"config without the key", config("nokey.config", "CONFIG_CRYPTO_FIPS=y"), module, "",
			[]string{"nokey.config: no CONFIG_CRYPTO_FIPS140_HMAC_KEY"}},
		{"key not set", config("unset.config", "# CONFIG_CRYPTO_FIPS140_HMAC_KEY is not set"), module, "",
			[]string{"unset.config:2: CONFIG_CRYPTO_FIPS140_HMAC_KEY is not set"}},
		{"key not a string", config("bare.config", "CONFIG_CRYPTO_FIPS140_HMAC_KEY=y"), module, "",
			[]string{"bare.config:2: CONFIG_CRYPTO_FIPS140_HMAC_KEY is y, not a quoted string"}},
		{"key unterminated", config("unterminated.config", `CONFIG_CRYPTO_FIPS140_HMAC_KEY="`+seedKey), module, "",
			[]string{"unterminated.config:2: CONFIG_CRYPTO_FIPS140_HMAC_KEY: unterminated string"}},
		{"missing config", missing, module, "", []string{missing, "no such file"}},
		{"unreadable config", subdir, module, "", []string{subdir, "is a directory"}},
		{"missing module", good, missing, "", []string{"reading module", missing, "no such file"}},
		{"unreadable module", good, subdir, "", []string{"reading module", subdir, "is a directory"}},
		{"missing digest", good, module, missing, []string{"reading digest", missing, "no such file"}},
		{"short digest", good, module, short, []string{short, "digest file is 31 bytes; a raw HMAC-SHA256 is 32"}},
		{"verify missing module", good, missing, digest, []string{"reading module", missing}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := signOrVerify(tc.config, tc.module, tc.digest, filepath.Join(dir, "out.hmac"))
			if err == nil {
				t.Fatal("succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, serr := os.Stat(filepath.Join(dir, "out.hmac")); serr == nil {
				t.Errorf("a failed run left out.hmac behind")
			}
		})
	}
}

func signOrVerify(config, module, digest, out string) error {
	k, err := KeyFromConfig(config, DefaultMinKeyLen, nil)
	if err != nil {
		return err
	}
	if digest != "" {
		return Verify(module, digest, k)
	}
	sum, err := Sum(module, k.Bytes)
	if err != nil {
		return err
	}
	return WriteDigest(out, sum)
}

func TestMinKeyLen(t *testing.T) {
	k := Key{Bytes: []byte("12345"), Source: "--key"}
	for _, tc := range []struct {
		min int
		ok  bool
	}{{0, true}, {5, true}, {6, false}, {80, false}} {
		if err := CheckKey(k, tc.min); (err == nil) != tc.ok {
			t.Errorf("CheckKey(5 bytes, %d) = %v, want ok=%v", tc.min, err, tc.ok)
		}
	}
	if err := CheckKey(Key{Source: "--key"}, 0); err == nil || !strings.Contains(err.Error(), "--key: the HMAC key is empty") {
		t.Errorf("CheckKey(empty, 0) = %v, want the empty-key error", err)
	}
}

func TestVerifyMismatch(t *testing.T) {
	dir := t.TempDir()
	module := writeFile(t, dir, "fips140.ko", []byte("the module"))
	key := Key{Bytes: []byte(seedKey), Source: "k.config:5 (CONFIG_CRYPTO_FIPS140_HMAC_KEY)"}
	sum, err := Sum(module, key.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	digest := filepath.Join(dir, ".fips140.hmac")
	if err := WriteDigest(digest, sum); err != nil {
		t.Fatal(err)
	}
	if err := Verify(module, digest, key); err != nil {
		t.Fatalf("Verify of a fresh digest: %v", err)
	}
	writeFile(t, dir, "fips140.ko", []byte("the modulE"))
	err = Verify(module, digest, key)
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify of a changed module = %v, want ErrMismatch", err)
	}
	for _, w := range []string{module, digest, "k.config:5"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
	writeFile(t, dir, "fips140.ko", []byte("the module"))
	other := Key{Bytes: []byte(seedKey + "!"), Source: "--key"}
	if err := Verify(module, digest, other); !errors.Is(err, ErrMismatch) {
		t.Errorf("Verify with another key = %v, want ErrMismatch", err)
	}
}

func TestWriteDigestAtomic(t *testing.T) {
	dir := t.TempDir()
	out := writeFile(t, dir, ".fips140.hmac", []byte("old contents"))
	d := bytes.Repeat([]byte{7}, Size)
	if err := WriteDigest(out, d); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, d) {
		t.Fatalf("after WriteDigest: %x, %v", got, err)
	}
	if err := WriteDigest(filepath.Join(dir, "no-such-dir", "x.hmac"), d); err == nil {
		t.Error("WriteDigest into a missing directory succeeded")
	}
	if err := WriteDigest(out, d[:5]); err == nil {
		t.Error("WriteDigest of 5 bytes succeeded")
	}
	if err := WriteDigest(dir, d); err == nil {
		t.Error("WriteDigest over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only .fips140.hmac (no temporary files)", names)
	}
}

// writeLarge writes n deterministic pseudo-random bytes.
func writeLarge(t testing.TB, path string, n int) {
	t.Helper()
	buf := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{'f', 'i', 'p', 's', '1', '4', '0'})
	rng.Read(buf)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkSum64MB(b *testing.B) {
	const size = 64 << 20
	module := filepath.Join(b.TempDir(), "fips140.ko")
	writeLarge(b, module, size)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Sum(module, []byte(seedKey)); err != nil {
			b.Fatal(err)
		}
	}
}

// FileSHA256 streams the file; the whole file read at once must agree.
func TestFileSHA256(t *testing.T) {
	path := filepath.Join(t.TempDir(), "module.ko")
	data := bytes.Repeat([]byte("fips140"), bufSize/3) // more than one buffer
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := FileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if got != hex.EncodeToString(want[:]) {
		t.Errorf("FileSHA256 = %s, want %x", got, want)
	}
	if _, err := FileSHA256(filepath.Join(t.TempDir(), "missing.ko")); err == nil || !strings.Contains(err.Error(), "missing.ko") {
		t.Errorf("FileSHA256 of a missing file: %v, want an error naming it", err)
	}
}
