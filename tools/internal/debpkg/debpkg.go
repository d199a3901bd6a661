// Package debpkg finds the Debian mirror (for repin and the tests) and
// fetches pinned Debian packages into a cache for tests that compare our
// helpers with Debian's real tools and files.
//
// Environment:
//   - FIPS140_TEST_DEB_CACHE: cache directory (default: <user cache>/rules_fips140/debs)
//   - FIPS140_TEST_DEBIAN_MIRROR: mirror base URL (default: MirrorURL's)
//   - FIPS140_TEST_DPKG_DEB: dpkg-deb to extract with (default: from PATH)
package debpkg

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
)

// Pin names one .deb by its pool path and SHA-256.
type Pin struct {
	Package  string
	Version  string
	Filename string // path under the mirror, e.g. pool/main/l/linux/...deb
	SHA256   string
}

// Debian's 7.2.13+deb14 kernel packages (sid). The amd64 SHA-256 values
// match sid's Packages index; the arm64 one was recorded at download.
var (
	KbuildAmd64 = Pin{"linux-kbuild-7.2.13+deb14", "7.2.13-1",
		"pool/main/l/linux/linux-kbuild-7.2.13+deb14_7.2.13-1_amd64.deb",
		"0cecebac12f863b32f0b0a5b48b3b762240ff614603e9d8fd550fc095de0e610"}
	HeadersAmd64 = Pin{"linux-headers-7.2.13+deb14-amd64", "7.2.13-1",
		"pool/main/l/linux/linux-headers-7.2.13+deb14-amd64_7.2.13-1_amd64.deb",
		"ca62a68d18f87235d0c32b1a3e129f9cb7859ac5e6a0c95574081f02faed8573"}
	HeadersArm64 = Pin{"linux-headers-7.2.13+deb14-arm64", "7.2.13-1",
		"pool/main/l/linux/linux-headers-7.2.13+deb14-arm64_7.2.13-1_arm64.deb",
		"13e730015bcb43fd34aa9686295c2dff52f7e5ac30ed9975d282275afdf11546"}
	HeadersCommon = Pin{"linux-headers-7.2.13+deb14-common", "7.2.13-1",
		"pool/main/l/linux/linux-headers-7.2.13+deb14-common_7.2.13-1_all.deb",
		"5067c68cf803b385f72e6ea530cfbb9226f5eb91bfb7e256b6fcb4f87fd6279c"}
	Source = Pin{"linux-source-7.2", "7.2.13-1",
		"pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb",
		"30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d"}
)

// CacheDir returns the directory packages are cached in.
func CacheDir() (string, error) {
	if d := os.Getenv("FIPS140_TEST_DEB_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set FIPS140_TEST_DEB_CACHE): %w", err)
	}
	return filepath.Join(d, "rules_fips140", "debs"), nil
}

// Mirror returns the Debian mirror's base URL for the tests:
// $FIPS140_TEST_DEBIAN_MIRROR, else MirrorURL's.
func Mirror() (string, error) {
	if m := os.Getenv("FIPS140_TEST_DEBIAN_MIRROR"); m != "" {
		return strings.TrimSuffix(m, "/"), nil
	}
	return MirrorURL(os.Getenv, os.ReadFile)
}

// MirrorEnv overrides the mirror read from apt's sources, as it does for
// the debian_packages repository rule.
const MirrorEnv = "RULES_FIPS140_DEBIAN_MIRROR"

// MirrorURL returns the Debian mirror's base URL: $RULES_FIPS140_DEBIAN_MIRROR,
// else the first non-security URI of apt's sources, read as
// rules/private/debian_package.bzl reads them. getenv and readFile are
// os.Getenv and os.ReadFile outside tests.
func MirrorURL(getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	if m := getenv(MirrorEnv); m != "" {
		return strings.TrimRight(m, "/"), nil
	}
	usable := func(u string) bool { return strings.Contains(u, "://") && !strings.Contains(u, "security") }
	if data, err := readFile("/etc/apt/sources.list.d/debian.sources"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "URIs:"); ok {
				for _, u := range strings.Fields(rest) {
					if usable(u) {
						return strings.TrimRight(u, "/"), nil
					}
				}
			}
		}
	}
	if data, err := readFile("/etc/apt/sources.list"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || f[0] != "deb" {
				continue
			}
			for _, u := range f[1:] {
				if usable(u) {
					return strings.TrimRight(u, "/"), nil
				}
			}
		}
	}
	return "", fmt.Errorf("no Debian mirror: /etc/apt/sources.list.d/debian.sources and /etc/apt/sources.list name none; set %s=URL", MirrorEnv)
}

// Fetch returns the path of the pinned .deb in the cache, downloading it
// first when it is missing. A file whose SHA-256 differs is refused.
func Fetch(p Pin) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, filepath.Base(p.Filename))
	if err := verify(path, p.SHA256); err == nil {
		return path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	mirror, err := Mirror()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	resp, err := client.Get(mirror + "/" + p.Filename)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", p.Package, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("downloading %s: HTTP %s", p.Package, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", p.Package, err)
	}
	if got := sum(data); got != p.SHA256 {
		return "", fmt.Errorf("downloaded %s has SHA-256 %s, want %s", p.Package, got, p.SHA256)
	}
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return "", err
	}
	return path, nil
}

func verify(path, want string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if got := sum(data); got != want {
		return fmt.Errorf("%s has SHA-256 %s, want %s; delete it to download again", path, got, want)
	}
	return nil
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Extract returns a directory holding the unpacked contents of the pinned
// package, unpacking it into the cache on first use.
func Extract(p Pin) (string, error) {
	deb, err := Fetch(p)
	if err != nil {
		return "", err
	}
	dir := strings.TrimSuffix(deb, ".deb") + ".x"
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir, nil
	}
	dpkgDeb := os.Getenv("FIPS140_TEST_DPKG_DEB")
	if dpkgDeb == "" {
		if dpkgDeb, err = exec.LookPath("dpkg-deb"); err != nil {
			return "", fmt.Errorf("no dpkg-deb to unpack %s (set FIPS140_TEST_DPKG_DEB): %w", p.Package, err)
		}
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if out, err := exec.Command(dpkgDeb, "-x", deb, tmp).CombinedOutput(); err != nil {
		return "", fmt.Errorf("unpacking %s: %v\n%s", deb, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}
