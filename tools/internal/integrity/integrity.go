// Package integrity computes and checks the HMAC-SHA256 digest that the
// FIPS 140 module's self-test compares against (.fips140.hmac).
//
// What the seed series does, and so what this package does:
//   - The key is the value of CONFIG_CRYPTO_FIPS140_HMAC_KEY, used as the
//     raw bytes of the string: not hex-decoded, no trailing NUL. The kernel
//     side (PATCH 14/17 "crypto: fips140: add module integrity self-check",
//     verify_integrity() in crypto/fips140/fips140-module.c) initialises a
//     byte array from the kconfig string macro and keys hmac(sha256) with
//     sizeof minus one bytes of it.
//   - The message is the whole fips140.ko file, and the output is the raw
//     32-byte digest (PATCH 09/17 "build: embed the standalone crypto module
//     into vmlinux", the crypto/fips140/.fips140.hmac rule in the top-level
//     Makefile, which runs openssl dgst -sha256 -hmac KEY -binary).
//   - The key is read from the .config the way kconfig (and so the kernel's
//     autoconf.h) reads it: \" and \\ unescaped, the last assignment
//     winning. The seed's Makefile instead takes the text between the first
//     two double quotes with awk, which agrees for every key without a
//     backslash or double quote and a single assignment; where the two
//     differ, the kernel's view is the one that must verify at boot.
//   - The Kconfig help text asks for at least 80 characters; the minimum is
//     a parameter here, counted in bytes of the key.
package integrity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"
)

// KeySymbol is the kconfig symbol that holds the HMAC key.
const KeySymbol = "CRYPTO_FIPS140_HMAC_KEY"

// DefaultMinKeyLen is the minimum key length the seed's Kconfig help asks for.
const DefaultMinKeyLen = 80

// Size is the length of a digest file: one raw HMAC-SHA256.
const Size = sha256.Size

// ErrMismatch is wrapped by Verify's error when the digests differ.
var ErrMismatch = errors.New("HMAC mismatch")

// Key is an HMAC key and where it came from, for messages.
type Key struct {
	Bytes  []byte
	Source string // e.g. "path/.config:1234 (CONFIG_CRYPTO_FIPS140_HMAC_KEY)"
}

// KeyFromConfig reads CONFIG_CRYPTO_FIPS140_HMAC_KEY from a .config and
// checks it with CheckKey. warn receives notes that do not stop the build
// (a key assigned more than once); it may be nil.
func KeyFromConfig(path string, minLen int, warn func(string)) (Key, error) {
	cfg, err := kconfig.ParseFile(path)
	if err != nil {
		return Key{}, err
	}
	return KeyFromParsedConfig(cfg, path, minLen, warn)
}

// KeyFromParsedConfig is KeyFromConfig for a .config the caller has parsed
// already (path names it in messages), so a tool parses it once.
func KeyFromParsedConfig(cfg *kconfig.Config, path string, minLen int, warn func(string)) (Key, error) {
	s, err := cfg.String(KeySymbol)
	if errors.Is(err, kconfig.ErrNotFound) {
		return Key{}, fmt.Errorf("%s: no %s%s: the kernel config does not set the FIPS 140 HMAC key (is CONFIG_CRYPTO_FIPS140_EXTMOD enabled?)", path, kconfig.Prefix, KeySymbol)
	}
	if err != nil {
		return Key{}, err
	}
	e, _ := cfg.Lookup(KeySymbol)
	for _, o := range cfg.Overrides {
		if o.Symbol == KeySymbol && warn != nil {
			warn(fmt.Sprintf("%s:%d: %s%s assigned again; using line %d, as kconfig does", path, o.Line, kconfig.Prefix, KeySymbol, e.Line))
		}
	}
	if warn != nil && strings.ContainsAny(s, `"\`) {
		warn(fmt.Sprintf("%s:%d: the HMAC key holds a double quote or backslash; using it unescaped, as the kernel does (the seed's Makefile would have read it differently)", path, e.Line))
	}
	k := Key{Bytes: []byte(s), Source: fmt.Sprintf("%s:%d (%s%s)", path, e.Line, kconfig.Prefix, KeySymbol)}
	return k, CheckKey(k, minLen)
}

// CheckKey refuses an empty key, or one shorter than minLen bytes.
func CheckKey(k Key, minLen int) error {
	if len(k.Bytes) == 0 {
		return fmt.Errorf("%s: the HMAC key is empty", k.Source)
	}
	if len(k.Bytes) < minLen {
		return fmt.Errorf("%s: the HMAC key is %d characters long; at least %d are required", k.Source, len(k.Bytes), minLen)
	}
	return nil
}

// bufSize is the read size for modules: large enough that the per-call cost
// of hashing vanishes next to SHA-256 itself.
const bufSize = 1 << 20

// Sum returns HMAC-SHA256 of the whole file at path.
func Sum(path string, key []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading module: %w", err)
	}
	defer f.Close()
	mac := hmac.New(sha256.New, key)
	if _, err := io.CopyBuffer(mac, onlyReader{f}, make([]byte, bufSize)); err != nil {
		return nil, fmt.Errorf("reading module: %w", err)
	}
	return mac.Sum(nil), nil
}

// FileSHA256 returns the hex SHA-256 of the whole file at path (plain,
// unkeyed: what sha256sum prints), for records and checks that a file is
// unchanged.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, onlyReader{f}, make([]byte, bufSize)); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SumBytes returns HMAC-SHA256 of data, for a module already in memory.
func SumBytes(data, key []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write(data)
	return mac.Sum(nil)
}

// onlyReader hides *os.File's WriteTo so that CopyBuffer uses our buffer.
type onlyReader struct{ io.Reader }

// WriteDigest writes digest to path atomically: to a temporary file in the
// same directory, then renamed over path.
func WriteDigest(path string, digest []byte) error {
	if len(digest) != Size {
		return fmt.Errorf("%s: refusing to write a %d-byte digest; want %d", path, len(digest), Size)
	}
	return atomicfile.WriteBytes(path, digest)
}

// ReadDigest reads a digest file, which must hold exactly Size bytes.
func ReadDigest(path string) ([]byte, error) {
	d, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading digest: %w", err)
	}
	if len(d) != Size {
		return nil, fmt.Errorf("%s: digest file is %d bytes; a raw HMAC-SHA256 is %d", path, len(d), Size)
	}
	return d, nil
}

// Verify checks the module at modulePath against the digest file.
func Verify(modulePath, digestPath string, k Key) error {
	want, err := ReadDigest(digestPath)
	if err != nil {
		return err
	}
	got, err := Sum(modulePath, k.Bytes)
	if err != nil {
		return err
	}
	if !hmac.Equal(got, want) {
		return fmt.Errorf("%s: %w: HMAC-SHA256 with the key from %s is %x, but %s holds %x", modulePath, ErrMismatch, k.Source, got, digestPath, want)
	}
	return nil
}
