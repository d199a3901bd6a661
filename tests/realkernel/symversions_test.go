package realkernel

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// symversions reads #SYMVER lines ("#SYMVER name 0xcrc", optionally after
// an object path) into name -> crc.
func symversions(t *testing.T, path string, into map[string]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		at := -1
		for i, f := range fields {
			if f == "#SYMVER" {
				at = i
			}
		}
		if at < 0 {
			continue
		}
		if len(fields) != at+3 {
			t.Fatalf("%s: bad line %q", path, line)
		}
		name, crc := fields[at+1], fields[at+2]
		if old, ok := into[name]; ok && old != crc {
			t.Fatalf("%s: %s has two CRCs, %s and %s", path, name, old, crc)
		}
		into[name] = crc
	}
}

// TestSymversionsMatchKbuild compares the CRCs that crypto_objs' genksyms
// step gave the real kernel's fips140 parts with the ones kbuild's own
// gen_symversions gave the same objects, built in, in kernel_build: the
// same symbols, the same CRCs, for each architecture.
func TestSymversionsMatchKbuild(t *testing.T) {
	files := strings.Fields(os.Getenv("SYMVERSIONS_FILES"))
	if len(files) == 0 {
		testskip.Skipf(t, "runs under bazel test (SYMVERSIONS_FILES)")
	}
	for _, arch := range []string{"x86_64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			kbuild, ours := map[string]string{}, map[string]string{}
			nOurs := 0
			for _, f := range files {
				if !strings.Contains(f, "symversions_"+arch+"/") {
					continue
				}
				path := filepath.Join(os.Getenv("TEST_SRCDIR"), f)
				switch {
				case strings.HasSuffix(f, ".symversions"):
					symversions(t, path, kbuild)
				case strings.HasSuffix(f, ".o.cmd"):
					symversions(t, path, ours)
					nOurs++
				}
			}
			if len(kbuild) == 0 {
				t.Fatalf("kbuild versioned no export of the fips140 objects (%d files)", len(files))
			}
			var names []string
			for name := range kbuild {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if got, ok := ours[name]; !ok {
					t.Errorf("%s: kbuild gave it CRC %s; crypto_objs gave none (%d .cmd files)", name, kbuild[name], nOurs)
				} else if got != kbuild[name] {
					t.Errorf("%s: crypto_objs gave CRC %s, kbuild %s", name, got, kbuild[name])
				}
			}
			for name, crc := range ours {
				if _, ok := kbuild[name]; !ok {
					t.Errorf("%s: crypto_objs gave it CRC %s; kbuild versioned no such export", name, crc)
				}
			}
			t.Logf("%d exports, the same CRCs: %s", len(names), strings.Join(names, " "))
		})
	}
}
