package integrity

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// openssl finds the real openssl: $FIPS140_TEST_OPENSSL first, then PATH.
func openssl(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FIPS140_TEST_OPENSSL"); p != "" {
		return p
	}
	p, err := exec.LookPath("openssl")
	if err != nil {
		testskip.Skipf(t, "openssl not found; set FIPS140_TEST_OPENSSL to run this differential test")
	}
	return p
}

// opensslHMAC runs the seed's command: openssl dgst -sha256 -hmac KEY -binary.
func opensslHMAC(t testing.TB, tool, key, module string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "openssl.hmac")
	cmd := exec.Command(tool, "dgst", "-sha256", "-hmac", key, "-binary", "-out", out, module)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, msg)
	}
	d, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDifferentialOpenSSL checks that the digest file we write is byte-equal
// to openssl's, for keys read from a .config and modules of several sizes,
// one of them 64 MB (generated here, not committed).
func TestDifferentialOpenSSL(t *testing.T) {
	tool := openssl(t)
	dir := t.TempDir()

	modules := map[string]string{
		"small.ko": "testdata/small.ko",
		"empty":    writeFile(t, dir, "empty", nil),
		"1 byte":   writeFile(t, dir, "one", []byte{0}),
		"63 bytes": writeFile(t, dir, "63", bytes.Repeat([]byte{0x5a}, 63)),
		"64 bytes": writeFile(t, dir, "64", bytes.Repeat([]byte{0x5a}, 64)),
		"65 bytes": writeFile(t, dir, "65", bytes.Repeat([]byte{0x5a}, 65)),
	}
	mb := filepath.Join(dir, "1mb+3")
	writeLarge(t, mb, 1<<20+3)
	modules["1 MB + 3"] = mb
	if !testing.Short() {
		big := filepath.Join(dir, "64mb")
		writeLarge(t, big, 64<<20)
		modules["64 MB"] = big
	}

	keys := map[string]string{
		"seed default":     seedKey,
		"quote, backslash": `0123456789 "quoted" and a back\slash, padded to be well over eighty characters long!`,
		"exactly 80":       strings.Repeat("0123456789", 8),
		"over a block":     strings.Repeat("long key ", 20),
		"utf-8 and blanks": "  clé de signature du module FIPS 140-3, encodée en UTF-8, avec des espaces  \t fin ",
		"shell-ish":        "$(echo no) `no` ; | & * ? [x] ~ ' -binary -hmac " + strings.Repeat("x", 40),
	}
	for kname, key := range keys {
		cfg := writeFile(t, dir, "key.config", []byte("CONFIG_CRYPTO_FIPS140_HMAC_KEY="+quote(key)+"\n"))
		k, err := KeyFromConfig(cfg, DefaultMinKeyLen, nil)
		if err != nil {
			t.Fatalf("key %s: %v", kname, err)
		}
		if string(k.Bytes) != key {
			t.Fatalf("key %s read back as %q", kname, k.Bytes)
		}
		for mname, module := range modules {
			t.Run(kname+"/"+mname, func(t *testing.T) {
				sum, err := Sum(module, k.Bytes)
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
				if want := opensslHMAC(t, tool, key, module); !bytes.Equal(got, want) {
					t.Errorf("our digest file holds %x; openssl wrote %x", got, want)
				}
			})
		}
	}
}

// TestGoldenMatchesOpenSSL keeps the golden digests honest.
func TestGoldenMatchesOpenSSL(t *testing.T) {
	tool := openssl(t)
	configs, _ := filepath.Glob("testdata/*.config")
	for _, cfg := range configs {
		k, err := KeyFromConfig(cfg, DefaultMinKeyLen, nil)
		if err != nil {
			t.Fatal(err)
		}
		golden := strings.TrimSuffix(cfg, ".config") + ".golden"
		if want, got := opensslHMAC(t, tool, string(k.Bytes), "testdata/small.ko"), readGolden(t, golden); !bytes.Equal(got, want) {
			t.Errorf("%s holds %x; openssl computes %x", golden, got, want)
		}
	}
}

// quote writes s as kconfig writes a string value.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
