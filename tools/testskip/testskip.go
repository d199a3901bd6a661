// Package testskip makes a test that cannot run fail instead of passing as
// skipped: a differential, integration, boot, remote or reproducibility
// check that did not run has not passed. A test calls Skipf where it used
// to call t.Skipf; it skips only when FIPS140_TEST_ALLOW_SKIP=1 is set (then
// the reason is printed with the test's output). A few skips are expected
// wherever the tests run and are on the allow-list (Allowed): they always
// skip, and the test report says why.
package testskip

import (
	"fmt"
	"os"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/junit"
)

// AllowEnv names the variable that lets Skipf skip instead of failing.
const AllowEnv = "FIPS140_TEST_ALLOW_SKIP"

// Reason is why an allow-listed skip is expected.
type Reason string

// The allow-list (docs/design.md, "Skips").
const (
	// AsRoot: the check needs a user who cannot read a mode-000 file;
	// root can. Other cases cover the same error path.
	AsRoot Reason = "needs a non-root user"
	// Short: `go test -short` asked to leave out the slow checks.
	Short Reason = "left out by -short"
	// ReferenceDiffers: the reference tool cannot make a comparable output
	// for this case (a GNU-only archive form that llvm-ar rejects; older
	// binutils' padding); our output is checked by the other reference.
	ReferenceDiffers Reason = "the reference tool cannot make this case"
)

// Skipf skips the test when AllowEnv is 1, and otherwise fails it with the
// reason: the check did not run.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if os.Getenv(AllowEnv) == "1" {
		t.Skipf("not run: %s", reason)
		return
	}
	t.Fatalf("not run: %s (a check that does not run has not passed; set %s=1 to skip it instead)", reason, AllowEnv)
}

// Allowed skips the test for an allow-listed reason, with detail.
func Allowed(t testing.TB, r Reason, detail string) {
	t.Helper()
	t.Skipf("%s%s): %s", junit.AllowedMarker, r, detail)
}
