package symvers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
)

// TestDebianModuleSymvers reads the Module.symvers that Debian's modpost
// wrote for the 7.2.13 kernels and checks that writing it back gives the
// same bytes.
func TestDebianModuleSymvers(t *testing.T) {
	for _, pin := range []debpkg.Pin{debpkg.HeadersAmd64, debpkg.HeadersArm64} {
		t.Run(pin.Package, func(t *testing.T) {
			dir, err := debpkg.Extract(pin)
			if err != nil {
				t.Skipf("%s %s unavailable: %v", pin.Package, pin.Version, err)
			}
			path := filepath.Join(dir, "usr/src", pin.Package, "Module.symvers")
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
