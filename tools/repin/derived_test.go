package main

import (
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/checkout"
	"github.com/rules-fips140/rules_fips140/tools/internal/repin"
)

// TestDerivedFilesAgreeWithPins checks the checkout: the files derived from
// MODULE.bazel's Debian pins (debpkg's Go copy, the toolchain's pin list,
// the kernel's ABI and repository names everywhere) agree with them.
func TestDerivedFilesAgreeWithPins(t *testing.T) {
	files, err := repin.ReadTree(checkout.Root(t))
	if err != nil {
		t.Fatal(err)
	}
	if problems := repin.Check(files); len(problems) > 0 {
		t.Errorf("files derived from MODULE.bazel's pins disagree with them (./bazelw run //tools/repin rewrites them when it moves the pins):\n  %s", strings.Join(problems, "\n  "))
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-workspace", "/w", "-kernel=false", "-dry_run"})
	if err != nil {
		t.Fatal(err)
	}
	if o.workspace != "/w" || o.kernel || !o.dryRun || !o.runSteps || o.bazel != "/w/bazelw" {
		t.Errorf("parseFlags = %+v", o)
	}
	if _, err := parseFlags([]string{"-workspace", "", "x"}); err == nil {
		t.Error("parseFlags accepted an argument")
	}
}
