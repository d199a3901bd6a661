package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/provenance"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
)

const testKey = "fips140-test-key-that-is-long-enough-for-the-eighty-character-minimum-0123456789"

// relocatableImage combines a module and its digest with the real `ld -r`,
// each blob in its own vmlinux section and bounded by its own symbols.
func relocatableImage(t *testing.T, module []byte) string {
	t.Helper()
	tc := realtool.FindToolchain(t, "x86_64")
	dir := tc.WorkDir(t)
	blobs := []struct {
		b    elf.Blob
		data []byte
	}{
		{elf.Blob{Arch: elf.X86_64, Name: "fips140.ko", Section: ".fips140_embedded"}, module},
		{elf.Blob{Arch: elf.X86_64, Name: "fips140.hmac", Section: ".fips140_digest"}, integrity.SumBytes(module, []byte(testKey))},
	}
	var objs []string
	for i, b := range blobs {
		obj, err := b.b.Bytes(b.data)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, []string{"ko.o", "hmac.o"}[i])
		if err := os.WriteFile(name, obj, 0o644); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, filepath.Base(name))
	}
	realtool.Run(t, tc.LD, dir, append([]string{"-m", tc.Emulation, "-r", "-o", "vmlinux.o"}, objs...)...)
	return filepath.Join(dir, "vmlinux.o")
}

func module(t *testing.T) []byte {
	t.Helper()
	obj, err := elf.Blob{Arch: elf.X86_64, Name: "m", Section: ".modinfo"}.Bytes([]byte("license=GPL\x00name=fips140\x00"))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runArgs(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestInspectVerifyExtract(t *testing.T) {
	mod := module(t)
	vmlinux := relocatableImage(t, mod)

	code, out, errOut := cli(t, "inspect", vmlinux)
	if code != 0 || !strings.Contains(out, "fips140.ko") || !strings.Contains(out, "_binary_fips140_hmac_start") {
		t.Errorf("inspect: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, out, _ = cli(t, "inspect", "--json", vmlinux)
	var rep inspectReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("inspect --json: exit %d, %v:\n%s", code, err, out)
	}
	if len(rep.Regions) != 2 || rep.Regions[0].Size != uint64(len(mod)) || !rep.Regions[0].OnEdges {
		t.Errorf("inspect --json regions = %+v", rep.Regions)
	}

	out1 := filepath.Join(t.TempDir(), "fips140.ko")
	if code, _, errOut := cli(t, "extract", "-o", out1, vmlinux); code != 0 {
		t.Fatalf("extract: exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(out1)
	if err != nil || !bytes.Equal(got, mod) {
		t.Errorf("extracted module differs from the embedded one (err %v)", err)
	}

	cfg := filepath.Join(t.TempDir(), ".config")
	if err := os.WriteFile(cfg, []byte("CONFIG_CRYPTO_FIPS140_HMAC_KEY=\""+testKey+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli(t, "verify", "--config", cfg, vmlinux); code != 0 {
		t.Errorf("verify: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "verify", "--json", "--key", testKey+"-but-another-one", vmlinux)
	if code != 1 || !strings.Contains(errOut, "checks failed") {
		t.Errorf("verify with the wrong key: exit %d, stderr %q", code, errOut)
	}
	var vr struct {
		OK bool `json:"ok"`
	}
	if err := json.Unmarshal([]byte(out), &vr); err != nil || vr.OK {
		t.Errorf("verify --json with the wrong key: ok=%v, err %v", vr.OK, err)
	}
}

func TestUsageAndBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "vmlinux")
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{nil, 2, "no verb"},
		{[]string{"frobnicate", "x"}, 2, "unknown verb"},
		{[]string{"inspect"}, 2, "exactly one VMLINUX"},
		{[]string{"extract", missing}, 2, "-o is required"},
		{[]string{"extract", "-o", "x", "--region", "bogus", missing}, 2, "unknown region"},
		{[]string{"verify", missing}, 2, "exactly one of --config and --key"},
		{[]string{"verify", "--key", "short", missing}, 1, missing},
		{[]string{"inspect", missing}, 1, missing},
		{[]string{"verify", "--key", testKey, "--config", "c", missing}, 2, "exactly one of"},
	}
	for _, tc := range tests {
		code, _, errOut := cli(t, tc.args...)
		if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("fips140 %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.wantCode, tc.wantErr)
		}
	}
}

func TestShortKeyRefused(t *testing.T) {
	vmlinux := relocatableImage(t, module(t))
	code, _, errOut := cli(t, "verify", "--key", "short", vmlinux)
	if code != 1 || !strings.Contains(errOut, "at least 80") {
		t.Errorf("verify with a short key: exit %d, stderr %q", code, errOut)
	}
}

// TestVerifyProvenance checks verify --provenance on an image linked by the
// real ld: it passes against a record of that image, fails when the record
// holds another module, and names the record when it is missing or bad.
func TestVerifyProvenance(t *testing.T) {
	mod := module(t)
	vmlinux := relocatableImage(t, mod)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	record := func(name string, module []byte) string {
		st, err := provenance.Build(provenance.Options{Inputs: []provenance.Input{
			{Role: "subject:vmlinux", Path: vmlinux},
			{Role: "subject:fips140.ko", Path: write(name+".ko", module)},
			{Role: "subject:fips140.hmac", Path: write(name+".hmac", integrity.SumBytes(module, []byte(testKey)))},
			{Role: "config", Path: write(name+".config", []byte("CONFIG_CRYPTO_FIPS140_EXTMOD=y\nCONFIG_CRYPTO_FIPS140_HMAC_KEY=\""+testKey+"\"\n"))},
		}})
		if err != nil {
			t.Fatal(err)
		}
		data, err := provenance.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".json", data)
	}
	good := record("good", mod)
	code, out, errOut := cli(t, "verify", "--provenance", good, "--key", testKey, vmlinux)
	if code != 0 || strings.Count(out, "ok   provenance: ") != 4 {
		t.Errorf("verify --provenance: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "verify", "--provenance", good, vmlinux)
	if code != 0 || strings.Count(out, "ok   provenance: ") != 3 || strings.Contains(out, "hmac matches") {
		t.Errorf("verify --provenance without a key: exit %d\n%s%s", code, out, errOut)
	}
	other := record("other", append(append([]byte(nil), mod...), 0))
	code, out, errOut = cli(t, "verify", "--json", "--provenance", other, vmlinux)
	if code != 1 || !strings.Contains(out, `"ok": false`) || !strings.Contains(errOut, "2 of 3 checks failed") {
		t.Errorf("verify against a record of another module: exit %d\n%s%s", code, out, errOut)
	}
	bad := write("bad.json", []byte(`{"_type": "https://in-toto.io/Statement/v0.1"}`))
	for _, tc := range []struct{ prov, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json"},
		{bad, bad + `: _type is "https://in-toto.io/Statement/v0.1"`},
	} {
		code, _, errOut := cli(t, "verify", "--provenance", tc.prov, vmlinux)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("verify --provenance %s: exit %d, stderr %q; want exit 1 and %q", tc.prov, code, errOut, tc.want)
		}
	}
}
