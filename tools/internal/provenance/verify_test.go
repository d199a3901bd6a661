package provenance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/fipsimage"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
)

func TestParseBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "basic.json"))
	if err != nil {
		t.Fatal(err)
	}
	sub := func(old, new string) string { return strings.Replace(string(good), old, new, 1) }
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "not a provenance statement"},
		{"not json", "{", "not a provenance statement"},
		{"array", "[]", "not a provenance statement"},
		{"trailing", string(good) + "{}", "trailing data"},
		{"type", sub("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"), `_type is "https://in-toto.io/Statement/v0.1"`},
		{"predicate type", sub("https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2"), "predicateType is"},
		{"no subject", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","subject":[]}`, "has no subject"},
		{"no name", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","subject":[{"digest":{"sha256":"00"}}]}`, "subject 0 has no name"},
		{"short digest", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","subject":[{"name":"v","digest":{"sha256":"00"}}]}`, `subject "v" has no sha256`},
		{"upper digest", sub("1d05b61ae296f003444207dcc2993a38cb0b6ce0fd4d2afa5a384cbd3684b8b6", "1D05B61AE296F003444207DCC2993A38CB0B6CE0FD4D2AFA5A384CBD3684B8B6"), "has no sha256"},
		{"no role", sub(`"role": "crypto_module"`, `"kind": "crypto_module"`), "has no role"},
		{"subject not a list", sub(`"subject": [`, `"subject": {"x": [`), "not a provenance statement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.json", []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), "p.json: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, want an error naming p.json and containing %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"basic.json", "dual_no_buildenv.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		st.HMACKey()
		again, err := Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("again.json", again); err != nil {
			t.Fatalf("a parsed statement does not parse again: %v", err)
		}
	})
}

// image writes a vmlinux stand-in and returns an Image holding the blobs.
func image(t *testing.T, vmlinux string, regions map[string]string) *fipsimage.Image {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vmlinux")
	if err := os.WriteFile(path, []byte(vmlinux), 0o644); err != nil {
		t.Fatal(err)
	}
	img := &fipsimage.Image{Path: path}
	for _, k := range fipsimage.Regions() {
		if data, ok := regions[k.Name]; ok {
			img.Regions = append(img.Regions, fipsimage.Region{RegionKind: k, Data: []byte(data)})
		}
	}
	return img
}

func TestVerify(t *testing.T) {
	writeTree(t)
	st, err := Build(cases[1].opts) // dual: vmlinux, fips140.ko, hmac, nonfips140.ko
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{
		"fips140.ko":    tree["bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/fips140.ko"],
		"fips140.hmac":  tree["bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/.fips140.hmac"],
		"nonfips140.ko": tree["bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/fips140.ko"],
	}
	with := func(name, data string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		if data == "" {
			delete(m, name)
		} else {
			m[name] = data
		}
		return m
	}
	key := &integrity.Key{Bytes: []byte(testKey), Source: "test"}
	vm := tree["bazel-out/k8-fastbuild/bin/examples/vmlinux/vmlinux"]
	for _, tc := range []struct {
		name    string
		vmlinux string
		regions map[string]string
		key     *integrity.Key
		failed  []string // names of the checks that must fail; the rest pass
	}{
		{"all match", vm, good, key, nil},
		{"no key", vm, good, nil, nil},
		{"other vmlinux", vm + "x", good, key, []string{"provenance: vmlinux is a subject"}},
		{"other module", vm, with("fips140.ko", "other module"), nil, []string{"provenance: embedded fips140.ko is the recorded fips140.ko"}},
		{"other digest", vm, with("fips140.hmac", "other digest"), nil, []string{"provenance: embedded fips140.hmac is the recorded fips140.hmac"}},
		{"no nonfips140", vm, with("nonfips140.ko", ""), nil, []string{"provenance: embedded nonfips140.ko is the recorded nonfips140.ko"}},
		{"other key", vm, good, &integrity.Key{Bytes: []byte(testKey + "!"), Source: "test"}, []string{"provenance: HMAC key is the recorded one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checks := Verify(st, "p.json", image(t, tc.vmlinux, tc.regions), tc.key)
			want := map[string]bool{}
			for _, n := range tc.failed {
				want[n] = true
			}
			n := 0
			for _, c := range checks {
				if c.OK == want[c.Name] {
					t.Errorf("check %q: ok=%v (%s)", c.Name, c.OK, c.Detail)
				}
				if want[c.Name] {
					n++
				}
			}
			if n != len(tc.failed) {
				t.Errorf("got %d of the %d failing checks wanted: %+v", n, len(tc.failed), checks)
			}
			wantChecks := 4
			if tc.key != nil {
				wantChecks++
			}
			if len(checks) != wantChecks {
				t.Errorf("%d checks, want %d: %+v", len(checks), wantChecks, checks)
			}
		})
	}
}
