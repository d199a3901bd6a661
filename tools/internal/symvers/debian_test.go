package symvers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// TestDebianModuleSymvers reads the Module.symvers that Debian's modpost
// wrote for the 7.2.13 kernels and checks that writing it back gives the
// same bytes.
func TestDebianModuleSymvers(t *testing.T) {
	for arch, pin := range map[string]debpkg.Pin{"X86_64": debpkg.HeadersAmd64, "ARM64": debpkg.HeadersArm64} {
		t.Run(pin.Package, func(t *testing.T) {
			// Under Bazel the file comes from the pinned headers repository.
			path := realtool.Runfile(os.Getenv("FIPS140_TEST_SYMVERS_" + arch))
			if path == "" {
				dir, err := debpkg.Extract(pin)
				if err != nil {
					testskip.Skipf(t, "%s %s unavailable (or set FIPS140_TEST_SYMVERS_%s): %v", pin.Package, pin.Version, arch, err)
				}
				path = filepath.Join(dir, "usr/src", pin.Package, "Module.symvers")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			exports, err := Parse(bytes.NewReader(data), path)
			if err != nil {
				t.Fatal(err)
			}
			if len(exports) < 10000 {
				t.Errorf("only %d exports in %s", len(exports), path)
			}
			var out bytes.Buffer
			if err := Write(&out, exports); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Errorf("Write(Parse(%s)) differs from the file", path)
			}
		})
	}
}
