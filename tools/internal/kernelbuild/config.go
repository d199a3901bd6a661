package kernelbuild

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"
)

// SeedPrefix marks the seed's own options (CONFIG_CRYPTO_FIPS140_*): upstream
// Kconfig does not know them, so olddefconfig drops them.
const SeedPrefix = "CRYPTO_FIPS140_"

// ConfigDrift lists, one line per symbol, where Kconfig's resolution of a
// .config (olddefconfig) differs from the .config itself, leaving out the
// seed's options. An empty result means the .config is already resolved:
// what was committed is what kbuild builds.
func ConfigDrift(committed, resolved *kconfig.Config) []string {
	value := func(c *kconfig.Config, sym string) string {
		e, ok := c.Lookup(sym)
		if !ok {
			return "(absent)"
		}
		if e.Kind == kconfig.Unset {
			return "n"
		}
		return e.Value
	}
	syms := map[string]bool{}
	for _, s := range committed.Symbols() {
		syms[s] = true
	}
	for _, s := range resolved.Symbols() {
		syms[s] = true
	}
	var drift []string
	for s := range syms {
		if strings.HasPrefix(s, SeedPrefix) {
			continue
		}
		want, got := value(committed, s), value(resolved, s)
		if want == got || (want == "(absent)" && got == "n") || (want == "n" && got == "(absent)") {
			continue
		}
		drift = append(drift, fmt.Sprintf("CONFIG_%s: %s has %s, Kconfig resolves %s", s, committed.File, want, got))
	}
	sort.Strings(drift)
	return drift
}
