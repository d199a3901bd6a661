package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/paramfile"
)

const testdata = "../internal/integrity/testdata"

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs the command as main does, paramfiles included, and returns its
// exit code and standard error.
func cli(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	expanded, err := paramfile.Expand(args)
	if err != nil {
		return 2, err.Error()
	}
	opts, err := parseArgs(expanded, &stderr)
	if err != nil {
		return 2, err.Error()
	}
	return run(opts, &stderr), stderr.String()
}

// TestSignGolden signs through a paramfile and compares with the golden
// digest, which TestGoldenMatchesOpenSSL checks against openssl.
func TestSignGolden(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, ".fips140.hmac")
	params := write(t, filepath.Join(dir, "hmac.params"), strings.Join([]string{
		"sign", "--config", testdata + "/fips.config", "--module", testdata + "/small.ko", "--out", out,
	}, "\n")+"\n")
	if code, stderr := cli(t, "@"+params); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(testdata + "/fips.golden")
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != strings.TrimSpace(string(golden)) {
		t.Errorf("signed %x, golden fips.golden holds %s", got, golden)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("output directory holds %d entries, want the params and the digest only", len(entries))
	}

	if code, stderr := cli(t, "verify", "--config", testdata+"/fips.config", "--module", testdata+"/small.ko", "--digest", out); code != 0 {
		t.Errorf("verify of the signed module: exit %d: %s", code, stderr)
	}
	if code, stderr := cli(t, "verify", "--key", "wrong key", "--min-key-len", "0", "--module", testdata+"/small.ko", "--digest", out); code != 1 || !strings.Contains(stderr, "HMAC mismatch") {
		t.Errorf("verify with a wrong key: exit %d: %s", code, stderr)
	}
	const seedKey = "The quick brown fox jumps over the lazy dog while the sphinx of black quartz judges my vow"
	if code, stderr := cli(t, "verify", "--key", seedKey, "--module", testdata+"/small.ko", "--digest", out); code != 0 {
		t.Errorf("verify with --key: exit %d: %s", code, stderr)
	}
}

func TestVerifyMismatchExit(t *testing.T) {
	dir := t.TempDir()
	module := write(t, filepath.Join(dir, "fips140.ko"), "module bytes")
	cfg := testdata + "/fips.config"
	digest := filepath.Join(dir, "d.hmac")
	if code, stderr := cli(t, "sign", "--config", cfg, "--module", module, "--out", digest); code != 0 {
		t.Fatalf("sign: exit %d: %s", code, stderr)
	}
	write(t, module, "module bytes, changed")
	code, stderr := cli(t, "verify", "--config", cfg, "--module", module, "--digest", digest)
	if code != 1 {
		t.Fatalf("verify of a changed module: exit %d, want 1", code)
	}
	for _, w := range []string{"hmac verify: ", module, "HMAC mismatch", digest, "fips.config:5"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("message %q does not contain %q", stderr, w)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	module := write(t, filepath.Join(dir, "fips140.ko"), "module")
	out := filepath.Join(dir, "out.hmac")
	short := write(t, filepath.Join(dir, "short.config"), `CONFIG_CRYPTO_FIPS140_HMAC_KEY="`+strings.Repeat("k", 40)+"\"\n")
	empty := write(t, filepath.Join(dir, "empty.config"), "CONFIG_CRYPTO_FIPS140_HMAC_KEY=\"\"\n")
	nokey := write(t, filepath.Join(dir, "nokey.config"), "CONFIG_CRYPTO_FIPS=y\n")
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no verb", nil, 2, []string{"no verb"}},
		{"unknown verb", []string{"hash"}, 2, []string{`unknown verb "hash"`}},
		{"no key source", []string{"sign", "--module", module, "--out", out}, 2, []string{"exactly one of --config and --key"}},
		{"two key sources", []string{"sign", "--config", short, "--key", "k", "--module", module, "--out", out}, 2, []string{"exactly one of --config and --key"}},
		{"no module", []string{"sign", "--config", short, "--out", out}, 2, []string{"--module is required"}},
		{"no out", []string{"sign", "--config", short, "--module", module}, 2, []string{"--out is required"}},
		{"no digest", []string{"verify", "--config", short, "--module", module}, 2, []string{"--digest is required"}},
		{"out on verify", []string{"verify", "--config", short, "--module", module, "--out", out}, 2, []string{"-out"}},
		{"stray argument", []string{"sign", "--config", short, "--module", module, "--out", out, "extra"}, 2, []string{`unexpected argument "extra"`}},
		{"negative minimum", []string{"sign", "--config", short, "--module", module, "--out", out, "--min-key-len", "-1"}, 2, []string{"must not be negative"}},
		{"missing paramfile", []string{"@" + missing}, 2, []string{missing}},
		{"short key", []string{"sign", "--config", short, "--module", module, "--out", out}, 1, []string{"hmac sign: " + short + ":1 (CONFIG_CRYPTO_FIPS140_HMAC_KEY): the HMAC key is 40 characters long; at least 80 are required"}},
		{"short key, --key", []string{"sign", "--key", "abc", "--module", module, "--out", out}, 1, []string{"hmac sign: --key: the HMAC key is 3 characters long; at least 80 are required"}},
		{"empty key", []string{"sign", "--config", empty, "--module", module, "--out", out, "--min-key-len", "0"}, 1, []string{empty + ":1 (CONFIG_CRYPTO_FIPS140_HMAC_KEY): the HMAC key is empty"}},
		{"config without the key", []string{"sign", "--config", nokey, "--module", module, "--out", out}, 1, []string{nokey + ": no CONFIG_CRYPTO_FIPS140_HMAC_KEY"}},
		{"unreadable config", []string{"sign", "--config", dir, "--module", module, "--out", out}, 1, []string{dir, "is a directory"}},
		{"missing config", []string{"verify", "--config", missing, "--module", module, "--digest", out}, 1, []string{missing, "no such file"}},
		{"missing module", []string{"sign", "--config", testdata + "/fips.config", "--module", missing, "--out", out}, 1, []string{"reading module", missing}},
		{"missing digest", []string{"verify", "--config", testdata + "/fips.config", "--module", module, "--digest", missing}, 1, []string{"reading digest", missing}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := cli(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (%s)", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("message %q does not contain %q", stderr, w)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed run left its output behind")
			}
		})
	}
}

func TestShortKeyAllowedByFlag(t *testing.T) {
	dir := t.TempDir()
	module := write(t, filepath.Join(dir, "fips140.ko"), "module")
	out := filepath.Join(dir, "out.hmac")
	if code, stderr := cli(t, "sign", "--key", "abc", "--min-key-len", "3", "--module", module, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
