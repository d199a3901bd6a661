package kconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// TestStarlarkParserMatchesGo compares the Starlark .config parser, which the
// kernel_config module extension runs at fetch time, with this package: for
// each test .config, both must give the same values.
func TestStarlarkParserMatchesGo(t *testing.T) {
	srcdir := os.Getenv("TEST_SRCDIR")
	if srcdir == "" {
		testskip.Skipf(t, "runs under bazel test, which fetches the kconfig_testdata_* repositories")
	}
	pairs, err := filepath.Glob(filepath.Join(srcdir, "*kconfig_testdata_*", "values.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 3 {
		t.Fatalf("found %d kconfig_testdata_* repositories, want 3", len(pairs))
	}
	for _, valuesJSON := range pairs {
		repo := filepath.Dir(valuesJSON)
		t.Run(filepath.Base(repo), func(t *testing.T) {
			data, err := os.ReadFile(valuesJSON)
			if err != nil {
				t.Fatal(err)
			}
			var starlark map[string]string
			if err := json.Unmarshal(data, &starlark); err != nil {
				t.Fatal(err)
			}
			cfg, err := ParseFile(filepath.Join(repo, ".config"))
			if err != nil {
				t.Fatal(err)
			}
			goValues := map[string]string{}
			for _, sym := range cfg.Symbols() {
				e, _ := cfg.Lookup(sym)
				goValues[sym] = e.Value
			}
			if diff := cmp.Diff(goValues, starlark); diff != "" {
				t.Errorf("Starlark parse differs from Go (-go +starlark):\n%s", diff)
			}
		})
	}
}
