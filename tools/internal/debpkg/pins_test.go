package debpkg

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The pins live in MODULE.bazel, which Bazel fetches from; the copies here
// (for tests that run without Bazel) and bazelw's module versions must
// match it. On a drift the test prints the command that fixes the copy.

// repoFile finds a file of the repository root: a runfile under Bazel,
// else relative to this package.
func repoFile(t *testing.T, name, env string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return filepath.Join(os.Getenv("TEST_SRCDIR"), p)
	}
	return filepath.Join("..", "..", "..", name)
}

func readRepoFile(t *testing.T, name, env string) string {
	t.Helper()
	data, err := os.ReadFile(repoFile(t, name, env))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// modulePins reads MODULE.bazel's `"pool/...deb": "<sha256>"` entries.
func modulePins(text string) map[string]string {
	pins := map[string]string{}
	for _, m := range regexp.MustCompile(`"(pool/[^"]+\.deb)": "([0-9a-f]{64})"`).FindAllStringSubmatch(text, -1) {
		pins[m[1]] = m[2]
	}
	return pins
}

func TestPinsMatchModuleBazel(t *testing.T) {
	module := readRepoFile(t, "MODULE.bazel", "MODULE_BAZEL")
	pins := modulePins(module)
	if len(pins) == 0 {
		t.Fatal("MODULE.bazel pins no .deb")
	}
	for name, pin := range map[string]Pin{
		"KbuildAmd64": KbuildAmd64, "HeadersAmd64": HeadersAmd64, "HeadersArm64": HeadersArm64,
		"HeadersCommon": HeadersCommon, "Source": Source,
	} {
		want, ok := pins[pin.Filename]
		switch {
		case !ok:
			t.Errorf("debpkg.%s: MODULE.bazel pins no %s; pin the same package there, or update debpkg.go to the one it pins", name, pin.Filename)
		case want != pin.SHA256:
			t.Errorf("debpkg.%s: %s has sha256 %s in MODULE.bazel but %s here; fix with:\n  sed -i 's/%s/%s/' tools/internal/debpkg/debpkg.go",
				name, pin.Filename, want, pin.SHA256, pin.SHA256, want)
		}
		if !strings.Contains(pin.Filename, "_"+pin.Version+"_") || !strings.Contains(pin.Filename, "/"+pin.Package+"_") {
			t.Errorf("debpkg.%s: package %s version %s do not name the file %s", name, pin.Package, pin.Version, pin.Filename)
		}
	}
}

func TestBazelwModulesMatchModuleBazel(t *testing.T) {
	module := readRepoFile(t, "MODULE.bazel", "MODULE_BAZEL")
	bazelw := readRepoFile(t, "bazelw", "BAZELW")
	for _, m := range []struct{ dep, variable string }{{"rules_go", "RULES_GO_VERSION"}, {"gazelle", "GAZELLE_VERSION"}} {
		dep := regexp.MustCompile(fmt.Sprintf(`bazel_dep\(name = "%s", version = "([^"]+)"`, m.dep)).FindStringSubmatch(module)
		if dep == nil {
			t.Errorf("MODULE.bazel has no bazel_dep on %s", m.dep)
			continue
		}
		got := regexp.MustCompile(`(?m)^readonly ` + m.variable + `=v?(\S+)$`).FindStringSubmatch(bazelw)
		if got == nil {
			t.Errorf("bazelw sets no %s", m.variable)
			continue
		}
		if got[1] != dep[1] {
			t.Errorf("bazelw fetches %s %s, MODULE.bazel depends on %s; fix with:\n  sed -i 's/^readonly %s=.*/readonly %s=v%s/' bazelw",
				m.dep, got[1], dep[1], m.variable, m.variable, dep[1])
		}
	}
}

func TestModulePins(t *testing.T) {
	got := modulePins(`x = {"pool/main/a/a_1_all.deb": "` + strings.Repeat("ab", 32) + `", "pool/x.deb": "short"}`)
	if len(got) != 1 || got["pool/main/a/a_1_all.deb"] != strings.Repeat("ab", 32) {
		t.Errorf("modulePins = %v", got)
	}
}
