package example

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

type descriptor struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]any    `json:"annotations"`
}

type statement struct {
	Type          string       `json:"_type"`
	PredicateType string       `json:"predicateType"`
	Subject       []descriptor `json:"subject"`
	Predicate     struct {
		BuildDefinition struct {
			InternalParameters struct {
				HMACKey struct {
					Length int    `json:"length"`
					SHA256 string `json:"sha256"`
				} `json:"hmacKey"`
				KernelConfig struct {
					SHA256  string            `json:"sha256"`
					FIPS140 map[string]string `json:"fips140"`
				} `json:"kernelConfig"`
				ToolchainPackagesSHA256 string `json:"toolchain_packages_sha256"`
			} `json:"internalParameters"`
			ResolvedDependencies []descriptor `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
		RunDetails struct {
			Builder struct {
				Version             map[string]string `json:"version"`
				BuilderDependencies []descriptor      `json:"builderDependencies"`
			} `json:"builder"`
		} `json:"runDetails"`
	} `json:"predicate"`
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// verifyProvenance runs fips140 verify --json --provenance and returns its
// exit status and the failed checks' names.
func verifyProvenance(t *testing.T, prov, config, vmlinux string) (int, []string, verifyResult) {
	t.Helper()
	cmd := exec.Command(runfile(t, os.Getenv("FIPS140")), "verify", "--json", "--provenance", prov, "--config", config, vmlinux)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var res verifyResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	var failed []string
	for _, c := range res.Checks {
		if !c.OK {
			failed = append(failed, c.Name)
		}
	}
	return code, failed, res
}

// TestProvenance checks the provenance record beside fips140.ko for the
// plain, EXTMOD_SOURCE and DUAL_VERSION examples on both architectures: its
// subjects are the built files, fips140 verify --provenance accepts the
// vmlinux it records and refuses another vmlinux or module, it names the
// config, tools and versions, and holds no key and no absolute path.
func TestProvenance(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test, which builds the example")
	}
	for _, arch := range []struct{ name, env string }{
		{"x86_64", "X86_64_GCC_FILES"},
		{"arm64", "ARM64_GCC_FILES"},
	} {
		files := outputs(t, arch.env)
		for _, variant := range []string{"", "extmod_source", "dual"} {
			target := strings.TrimSuffix("vmlinux_"+variant, "_")
			t.Run(arch.name+"/"+target, func(t *testing.T) {
				need := func(p string) string {
					t.Helper()
					f, ok := files[p]
					if !ok {
						t.Fatalf("the example built no %s", p)
					}
					return f
				}
				vmlinux := need(target + "/vmlinux")
				prov := need(target + "/crypto/fips140/fips140.provenance.json")
				configName := arch.name
				if variant != "" {
					configName += "-" + strings.ReplaceAll(variant, "_", "-")
				}
				config := runfile(t, "_main/examples/configs/"+configName+".config")
				raw, err := os.ReadFile(prov)
				if err != nil {
					t.Fatal(err)
				}
				var st statement
				if err := json.Unmarshal(raw, &st); err != nil {
					t.Fatal(err)
				}
				if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://slsa.dev/provenance/v1" {
					t.Errorf("_type %q, predicateType %q", st.Type, st.PredicateType)
				}

				// Subjects: the built files, by role.
				// With EXTMOD_SOURCE the certified set's modules are embedded
				// and packaged.
				module, modules := "fips140/crypto/fips140/fips140.ko", "fips140/crypto/"
				if variant != "" {
					module, modules = "certified/crypto/fips140/fips140.ko", "certified/crypto/"
				}
				want := map[string]string{
					"vmlinux":       vmlinux,
					"fips140.ko":    need(module),
					"fips140.hmac":  need(target + "/crypto/fips140/.fips140.hmac"),
					"crypto_module": need(modules + "toy_cipher.ko"),
				}
				switch variant {
				case "dual":
					want["nonfips140.ko"] = need("fips140/crypto/fips140/fips140.ko")
				case "extmod_source":
					want["built.fips140.ko"] = need("fips140/crypto/fips140/fips140.ko")
				}
				got := map[string]string{}
				for _, s := range st.Subject {
					got[s.Annotations["role"].(string)] = s.Digest["sha256"]
				}
				for role, f := range want {
					if got[role] != fileSHA256(t, f) {
						t.Errorf("subject %s: sha256 %q, the built %s has %s", role, got[role], f, fileSHA256(t, f))
					}
				}
				if len(got) != len(want) {
					t.Errorf("subject roles %v, want those of %v", got, want)
				}

				// Inputs: the config (and its key only as length and
				// sha256), sources, a header set, objects, tools.
				ip := st.Predicate.BuildDefinition.InternalParameters
				if ip.KernelConfig.SHA256 != fileSHA256(t, config) || ip.KernelConfig.FIPS140["CONFIG_CRYPTO_FIPS140_EXTMOD"] != "y" {
					t.Errorf("kernelConfig %+v, the config's sha256 is %s", ip.KernelConfig, fileSHA256(t, config))
				}
				key := configKey(t, config)
				keySum := sha256.Sum256([]byte(key))
				if ip.HMACKey.Length != len(key) || ip.HMACKey.SHA256 != hex.EncodeToString(keySum[:]) {
					t.Errorf("hmacKey %+v, want %d bytes, sha256 %x", ip.HMACKey, len(key), keySum)
				}
				if bytes.Contains(raw, []byte(key)) {
					t.Error("the record holds the HMAC key")
				}
				roles := map[string][]string{}
				for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
					r := d.Annotations["role"].(string)
					roles[r] = append(roles[r], d.Name)
				}
				for role, names := range map[string][]string{
					"source":  {"examples/crypto/rot13.c", "examples/vmlinux/vmlinux.lds"},
					"headers": {"headers://examples:kernel"},
					"object":  {"examples/_objs/rot13/rot13.o", "examples/fips140/crypto/fips140/fips140.o"},
					"tool":    {"tools/hmac/hmac_/hmac", "tools/embed/embed_/embed", "tools/ldwrap/ldwrap_/ldwrap"},
				} {
					for _, n := range names {
						if !contains(roles[role], n) {
							t.Errorf("no %s %s in resolvedDependencies (%s: %v)", role, n, role, roles[role])
						}
					}
				}
				if contains(roles["source"], "examples/crypto/unused.c") {
					t.Error("the =n object's source is recorded as an input")
				}
				gcc := regexp.MustCompile(`(^|/)(x86_64|aarch64)-linux-gnu-gcc-\d+$`)
				if !anyMatch(roles["tool"], gcc) {
					t.Errorf("no compiler among the tools: %v", roles["tool"])
				}
				if variant != "" && !contains(roles["source"], "examples/certified/crypto/fips140/fips140.ko") {
					t.Errorf("the prebuilt module is not a source: %v", roles["source"])
				}
				v := st.Predicate.RunDetails.Builder.Version
				for _, k := range []string{"bazel", "bazel_dep:rules_go", "bazel_dep:gazelle", "pahole"} {
					if v[k] == "" {
						t.Errorf("builder.version has no %s: %v", k, v)
					}
				}
				// The toolchain is the pinned packages: each recorded, the
				// compiler's among them, and their identity; no absolute
				// path anywhere (nothing is the build root's).
				packages := map[string]bool{}
				for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
					if d.Annotations["role"] == "packages" {
						if len(d.Digest["sha256"]) != 64 || d.Annotations["pool"] == nil {
							t.Errorf("package %s is recorded without its sha256 or pool path: %+v", d.Name, d)
						}
						packages[d.Name] = true
					}
				}
				compilerPackage := map[string]string{"x86_64": "gcc-16-x86-64-linux-gnu", "arm64": "gcc-16-aarch64-linux-gnu"}[arch.name]
				if !packages[compilerPackage] || !packages["libc6"] {
					t.Errorf("the compiler's package %s (or libc6) is not among the recorded toolchain packages: %v", compilerPackage, packages)
				}
				if len(st.Predicate.BuildDefinition.InternalParameters.ToolchainPackagesSHA256) != 64 {
					t.Errorf("no toolchain identity (internalParameters.toolchain_packages_sha256): %+v", st.Predicate.BuildDefinition.InternalParameters)
				}
				if m := regexp.MustCompile(`"(/[^/"][^"]*)"`).FindSubmatch(raw); m != nil {
					t.Errorf("the record holds an absolute path: %s", m[1])
				}
				if bytes.Contains(raw, []byte("bazel-out/")) {
					t.Error("the record holds a bazel-out/ path")
				}

				// The verifier accepts the recorded vmlinux...
				code, failed, res := verifyProvenance(t, prov, config, vmlinux)
				if code != 0 || len(failed) != 0 {
					t.Errorf("fips140 verify --provenance: exit %d, failed %v: %+v", code, failed, res)
				}
				n := 0
				for _, c := range res.Checks {
					if strings.HasPrefix(c.Name, "provenance: ") {
						n++
					}
				}
				if wantN := map[string]int{"": 4, "extmod_source": 4, "dual": 5}[variant]; n != wantN {
					t.Errorf("%d provenance checks, want %d: %+v", n, wantN, res.Checks)
				}

				// ...and refuses one changed by a byte, where only vmlinux's
				// own check fails...
				changed := filepath.Join(t.TempDir(), "vmlinux")
				data, err := os.ReadFile(vmlinux)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(changed, append(data, 0), 0o644); err != nil {
					t.Fatal(err)
				}
				code, failed, _ = verifyProvenance(t, prov, config, changed)
				if code != 1 || strings.Join(failed, ",") != "provenance: vmlinux is a subject" {
					t.Errorf("a changed vmlinux: exit %d, failed %v", code, failed)
				}

				// ...and a vmlinux that embeds another module.
				other := need(map[string]string{"": "vmlinux_extmod_source", "extmod_source": "vmlinux", "dual": "vmlinux"}[variant] + "/vmlinux")
				code, failed, _ = verifyProvenance(t, prov, config, other)
				if code != 1 || !contains(failed, "provenance: embedded fips140.ko is the recorded fips140.ko") || !contains(failed, "provenance: vmlinux is a subject") {
					t.Errorf("another module: exit %d, failed %v", code, failed)
				}
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyMatch(list []string, re *regexp.Regexp) bool {
	for _, x := range list {
		if re.MatchString(x) {
			return true
		}
	}
	return false
}

// configKey reads CONFIG_CRYPTO_FIPS140_HMAC_KEY's value (quotes removed;
// the example's keys hold no escapes).
func configKey(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^CONFIG_CRYPTO_FIPS140_HMAC_KEY="([^"\\]*)"$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no plain CONFIG_CRYPTO_FIPS140_HMAC_KEY", path)
	}
	return string(m[1])
}
