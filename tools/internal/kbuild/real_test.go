package kbuild

// Tests on the real Kbuild Makefiles of linux-source-7.2, and a
// differential test against GNU make.
//
// Environment:
//   - FIPS140_TEST_KERNEL_SOURCE: a directory holding linux-source-7.2's
//     files (RealMakefiles), or a file at its top (under Bazel, the ROOT
//     marker of @debian_linux_source_7_2). Without it the package is
//     downloaded (debpkg) and the Makefiles are taken from its tarball.
//   - FIPS140_TEST_MAKE: GNU make (default: make on PATH).

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
	"github.com/rules-fips140/rules_fips140/tools/internal/kbuild/kbuildtest"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// TestRealMakefiles models the crypto Makefiles of linux-source-7.2
// and compares with testdata/real/*.golden, which were checked against
// GNU make by TestDifferentialMake.
func TestRealMakefiles(t *testing.T) {
	src := kbuildtest.Source(t)
	for _, rel := range kbuildtest.RealMakefiles {
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(src, rel))
			if err != nil {
				t.Fatal(err)
			}
			d := model(t, rel, string(data))
			if len(d.Objects) == 0 {
				t.Errorf("%s: no objects", rel)
			}
			name := "real/" + strings.ReplaceAll(strings.TrimSuffix(rel, "/Makefile"), "/", "_") + ".golden"
			golden.Check(t, name, []byte(d.String()), *update)
		})
	}
}

var configRef = regexp.MustCompile(`CONFIG_[A-Za-z0-9_]+`)

// TestDifferentialMake evaluates each Makefile with GNU make under many
// concrete configurations and compares every variable the model holds
// (outside diagnostics) with make's value.
func TestDifferentialMake(t *testing.T) {
	mk := os.Getenv("FIPS140_TEST_MAKE")
	if mk == "" {
		var err error
		if mk, err = exec.LookPath("make"); err != nil {
			testskip.Skipf(t, "no make on PATH; set FIPS140_TEST_MAKE to run this differential test")
		}
	} else {
		mk = realtool.Runfile(mk)
	}
	inputs, _ := filepath.Glob("testdata/*.mk")
	// unmodelled.mk is not a Makefile make accepts (include of a missing
	// file, an eval of a bare word): it is for TestGolden's diagnostics.
	inputs = slices.DeleteFunc(inputs, func(p string) bool { return filepath.Base(p) == "unmodelled.mk" })
	names := slices.Clone(inputs)
	if os.Getenv("FIPS140_TEST_KERNEL_SOURCE") != "" || !testing.Short() {
		src := kbuildtest.Source(t)
		for _, rel := range kbuildtest.RealMakefiles {
			inputs = append(inputs, filepath.Join(src, rel))
			names = append(names, rel)
		}
	}
	for i, path := range inputs {
		t.Run(names[i], func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(path, data)
			if err != nil {
				t.Fatal(err)
			}
			e := Evaluate(f)
			vars := comparable(e)
			t.Logf("%d variables compared", len(vars))
			symset := map[string]bool{}
			for _, m := range configRef.FindAllString(string(data), -1) {
				symset[strings.TrimPrefix(m, "CONFIG_")] = true
			}
			var syms []string
			for s := range symset {
				syms = append(syms, s)
			}
			sort.Strings(syms)
			rng := rand.New(rand.NewSource(int64(len(data))))
			configs := []map[string]string{{}, fill(syms, "y"), fill(syms, "m")}
			for range 20 {
				c := map[string]string{}
				for _, s := range syms {
					c[s] = []string{"y", "m", ""}[rng.Intn(3)]
				}
				configs = append(configs, c)
			}
			for i, config := range configs {
				got := runMake(t, mk, path, vars, config)
				for _, v := range vars {
					want := concrete(e.Vars[v], config)
					if got[v] != want {
						t.Errorf("config #%d %v: %s: make says %q, the model %q", i, config, v, got[v], want)
					}
				}
			}
		})
	}
}

func fill(syms []string, v string) map[string]string {
	c := map[string]string{}
	for _, s := range syms {
		c[s] = v
	}
	return c
}

// comparable lists the variables whose every assignment was modelled.
func comparable(e *Eval) []string {
	var out []string
	for _, v := range e.Order {
		if !e.Unmodelled[v] {
			out = append(out, v)
		}
	}
	return out
}

func concrete(v *Var, config map[string]string) string {
	var words []string
	for _, w := range v.Words {
		if w.Cond.Holds(config) {
			words = append(words, w.Text)
		}
	}
	return strings.Join(words, " ")
}

// runMake prints each variable with $(info) after including the Makefile.
// cc-option is defined as the model reads it: the flag itself.
func runMake(t *testing.T, mk, path string, vars []string, config map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("cc-option = $(1)\n")
	fmt.Fprintf(&b, "include %s\n", mustAbs(t, path))
	for _, v := range vars {
		fmt.Fprintf(&b, "$(info @@%s=$(strip $(%s)))\n", v, v)
	}
	b.WriteString(".PHONY: __print\n__print: ; @:\n")
	wrapper := filepath.Join(dir, "wrapper.mk")
	if err := os.WriteFile(wrapper, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-s", "-r", "-R", "-f", wrapper, "__print"}
	for s, v := range config {
		if v != "" {
			args = append(args, "CONFIG_"+s+"="+v)
		}
	}
	cmd := exec.Command(mk, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %v: %v\n%s", args, err, out)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "@@"); ok {
			k, v, _ := strings.Cut(rest, "=")
			got[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return got
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
