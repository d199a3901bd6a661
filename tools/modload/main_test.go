package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/kcore/kcoretest"
)

func TestBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.ko")
	for _, tc := range []struct {
		name string
		args []string
		rc   int
		want string
	}{
		{"no args", nil, 2, "usage"},
		{"two args", []string{"a", "b"}, 2, "usage"},
		{"embedded without config", []string{"-embedded", "fips140"}, 2, "-config"},
		{"embedded what", []string{"-embedded", "other"}, 2, "want fips140 or nonfips140"},
		{"missing file", []string{missing}, 1, "missing.ko"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if rc := run(tc.args, &stderr); rc != tc.rc || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("run(%q) = %d, %q; want %d and %q", tc.args, rc, stderr.String(), tc.rc, tc.want)
			}
		})
	}
}

func TestEmbeddedModuleChecks(t *testing.T) {
	dir := t.TempDir()
	key := "rules_fips140 modload test key"
	config := filepath.Join(dir, "fips140.config")
	os.WriteFile(config, []byte("CONFIG_CRYPTO_FIPS140_HMAC_KEY=\""+key+"\"\n"), 0o644)
	other := filepath.Join(dir, "other.config")
	os.WriteFile(other, []byte("CONFIG_CRYPTO_FIPS140_HMAC_KEY=\"another key\"\n"), 0o644)
	module := []byte("\x7fELF a module's bytes")
	kallsyms := filepath.Join(dir, "kallsyms")
	os.WriteFile(kallsyms, []byte(fmt.Sprintf("ffffffff82000000 R _binary_fips140_ko_start\nffffffff%08x R _binary_fips140_ko_end\nffffffff%08x R _binary_fips140_hmac_start\nffffffff%08x R _binary_fips140_hmac_end\n",
		0x82000000+len(module), 0x82000000+len(module), 0x82000000+len(module)+32)), 0o644)
	image := func(name string, mod []byte) string {
		data := append(append([]byte{}, mod...), integrity.SumBytes(module, []byte(key))...)
		path := filepath.Join(dir, name)
		os.WriteFile(path, kcoretest.Core(kcoretest.Segment{Vaddr: 0xffffffff82000000, Data: data}), 0o644)
		return path
	}
	good := image("kcore", module)
	changed := append([]byte{}, module...)
	changed[5] ^= 0x20
	bad := image("kcore.changed", changed)
	for _, tc := range []struct {
		name, config, kcore, want string
	}{
		{"good", config, good, ""},
		{"another key", other, good, "HMAC mismatch"},
		{"changed bytes", config, bad, "HMAC mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			o := options{embedded: "fips140", config: tc.config, kallsyms: kallsyms, kcore: tc.kcore}
			got, err := embeddedModule(o, &stderr)
			if tc.want == "" {
				if err != nil || !bytes.Equal(got, module) {
					t.Errorf("embeddedModule = %q, %v; want the module", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("embeddedModule: %v, want %q", err, tc.want)
			}
		})
	}
}
