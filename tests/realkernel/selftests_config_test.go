// Package realkernel checks what the boot tests' verdicts rest on: every
// kernel they boot runs the crypto self-tests. Without
// CONFIG_CRYPTO_SELFTESTS the crypto manager marks every algorithm's
// self-test "passed" without running it, and /proc/crypto proves nothing.
package realkernel

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// configValue returns CONFIG_<symbol>'s value in a .config, "n" when it is
// unset or absent.
func configValue(t *testing.T, path, symbol string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	value := "n"
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CONFIG_"+symbol+"="); ok {
			value = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return value
}

func TestBootedKernelsRunSelftests(t *testing.T) {
	configs := strings.Fields(os.Getenv("BOOTED_KERNEL_CONFIGS"))
	if len(configs) == 0 {
		testskip.Skipf(t, "BOOTED_KERNEL_CONFIGS is not set: this test runs under bazel test")
	}
	if len(configs) != 4 {
		t.Errorf("want the configs of 4 kernels (Debian's and ours, two architectures), got %d: %q", len(configs), configs)
	}
	for _, c := range configs {
		path := filepath.Join(os.Getenv("TEST_SRCDIR"), c)
		if got := configValue(t, path, "CRYPTO_SELFTESTS"); got != "y" {
			t.Errorf("%s: CONFIG_CRYPTO_SELFTESTS=%s, want y: the boot tests' \"selftest : passed\" would mean nothing", c, got)
		}
	}
}

func TestConfigValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".config")
	os.WriteFile(path, []byte("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_CRYPTO_SELFTESTS_FULL=y\nCONFIG_C=\"x\"\n"), 0o644)
	for symbol, want := range map[string]string{"A": "y", "B": "n", "CRYPTO_SELFTESTS": "n", "C": `"x"`} {
		if got := configValue(t, path, symbol); got != want {
			t.Errorf("configValue(%s) = %q, want %q", symbol, got, want)
		}
	}
}
