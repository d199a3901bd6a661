// Command testreport counts the skipped tests in Bazel's test reports and
// fails when one is not on the allow-list (tools/testskip):
//
//	testreport bazel-testlogs
//
// It prints "testreport: N skipped (A on the allow-list)" and one line per
// skip with its target, test and reason. Exit status: 0 when every skip is
// allowed, 1 when one is not, 2 when a report cannot be read.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rules-fips140/rules_fips140/tools/internal/junit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: testreport BAZEL_TESTLOGS_DIR")
		return 2
	}
	skips, err := junit.WalkSkips(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "testreport: %v\n", err)
		return 2
	}
	allowed := 0
	for _, s := range skips {
		if s.Allowed() {
			allowed++
		}
	}
	fmt.Fprintf(stdout, "testreport: %d skipped (%d on the allow-list)\n", len(skips), allowed)
	status := 0
	for _, s := range skips {
		verdict := "allowed"
		if !s.Allowed() {
			verdict, status = "NOT ALLOWED", 1
		}
		fmt.Fprintf(stdout, "  %s: %s %s: %s\n", verdict, s.Target, s.Test, s.Reason())
	}
	return status
}
