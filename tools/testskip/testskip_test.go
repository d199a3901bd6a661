package testskip

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/junit"
)

// recorder is a testing.TB that records a skip or a failure.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }

func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestSkipfFailsUnlessAllowed(t *testing.T) {
	t.Setenv(AllowEnv, "")
	r := &recorder{}
	Skipf(r, "no %s", "objcopy")
	if r.skipped != "" || !strings.Contains(r.failed, "not run: no objcopy") || !strings.Contains(r.failed, AllowEnv+"=1") {
		t.Errorf("without %s: skipped %q, failed %q; want a failure naming the reason and the variable", AllowEnv, r.skipped, r.failed)
	}

	t.Setenv(AllowEnv, "1")
	r = &recorder{}
	Skipf(r, "no %s", "objcopy")
	if r.failed != "" || r.skipped != "not run: no objcopy" {
		t.Errorf("with %s=1: skipped %q, failed %q; want a skip", AllowEnv, r.skipped, r.failed)
	}
}

func TestAllowedIsRecognised(t *testing.T) {
	t.Setenv(AllowEnv, "")
	r := &recorder{}
	Allowed(r, AsRoot, "root reads mode 000")
	s := junit.Skip{Output: r.skipped}
	if r.failed != "" || !s.Allowed() || !strings.Contains(r.skipped, string(AsRoot)) {
		t.Errorf("Allowed: skipped %q, failed %q; want a skip that tools/testreport counts as allowed", r.skipped, r.failed)
	}
}
