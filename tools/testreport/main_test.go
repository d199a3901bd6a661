package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeReport(t *testing.T, dir, rel, xml string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rel, "test.xml"), []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	allowedSkip = `<testsuites><testsuite name="p"><testcase name="TestRoot"><skipped message="Skipped">x_test.go:1: allowed skip (needs a non-root user): root reads mode 000
--- SKIP: TestRoot (0.00s)</skipped></testcase><testcase name="TestOK"></testcase></testsuite></testsuites>`
	plainSkip = `<testsuites><testsuite name="q"><testcase name="TestDiff"><skipped message="Skipped">d_test.go:9: no objcopy: set FIPS140_TEST_OBJCOPY</skipped></testcase></testsuite></testsuites>`
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	writeReport(t, dir, "tools/x/x_test", allowedSkip)
	var out, errOut bytes.Buffer
	if code := run([]string{dir}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 skipped (1 on the allow-list)") || !strings.Contains(out.String(), "allowed: //tools/x:x_test TestRoot") {
		t.Errorf("allowed skips only: exit %d, %q %q", code, out.String(), errOut.String())
	}

	writeReport(t, dir, "tools/y/y_test", plainSkip)
	out.Reset()
	if code := run([]string{dir}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "2 skipped (1 on the allow-list)") || !strings.Contains(out.String(), "NOT ALLOWED: //tools/y:y_test TestDiff: d_test.go:9: no objcopy") {
		t.Errorf("a plain skip: exit %d, %q", code, out.String())
	}

	writeReport(t, dir, "tools/z/z_test", "<html/>")
	out.Reset()
	errOut.Reset()
	if code := run([]string{dir}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "z_test/test.xml") {
		t.Errorf("a broken report: exit %d, %q", code, errOut.String())
	}
	if code := run(nil, &out, &errOut); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
}
