// Package junit reads the JUnit XML test reports that Bazel keeps for each
// test (bazel-testlogs/<package>/<target>/test.xml; rules_go writes one
// test case per Go test when GO_TEST_WRAP_TESTV=1) and finds the skipped
// test cases.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// AllowedMarker starts the message of a skip on the allow-list
// (tools/testskip.Allowed); any other skip is a check that did not run.
const AllowedMarker = "allowed skip ("

// Skip is one skipped test case.
type Skip struct {
	Suite, Test string
	Output      string // what the test printed, the reason included
}

// Allowed reports whether the skip is on the allow-list.
func (s Skip) Allowed() bool { return strings.Contains(s.Output, AllowedMarker) }

// Reason is the skip's message: the output's last non-empty line that is
// not the "--- SKIP" line, trimmed.
func (s Skip) Reason() string {
	lines := strings.Split(strings.TrimSpace(s.Output), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "--- SKIP") {
			return l
		}
	}
	return ""
}

type report struct {
	Suites []suite `xml:"testsuite"`
}

type suite struct {
	Name  string     `xml:"name,attr"`
	Cases []testCase `xml:"testcase"`
}

type testCase struct {
	Name    string   `xml:"name,attr"`
	Skipped *message `xml:"skipped"`
}

type message struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// Skips reads one report (a <testsuites> or a single <testsuite> root)
// and returns its skipped test cases in order.
func Skips(r io.Reader) ([]Skip, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var root struct {
		XMLName xml.Name
		report
		suite
	}
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("not a JUnit XML report: %w", err)
	}
	var suites []suite
	switch root.XMLName.Local {
	case "testsuites":
		suites = root.report.Suites
	case "testsuite":
		suites = []suite{root.suite}
	default:
		return nil, fmt.Errorf("not a JUnit XML report: the root element is <%s>, not <testsuites> or <testsuite>", root.XMLName.Local)
	}
	var out []Skip
	for _, s := range suites {
		for _, c := range s.Cases {
			if c.Skipped != nil {
				out = append(out, Skip{Suite: s.Name, Test: c.Name, Output: c.Skipped.Text})
			}
		}
	}
	return out, nil
}

// TargetSkip is a Skip with the Bazel test target whose report holds it.
type TargetSkip struct {
	Skip
	Target string
}

// WalkSkips reads every test.xml under a bazel-testlogs directory and
// returns the skips, by target in path order. A target's label comes from
// the report's directory (shard_N_of_M and run_N_of_M left out).
func WalkSkips(dir string) ([]TargetSkip, error) {
	// bazel-testlogs is a symlink into the output base.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	var out []TargetSkip
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "test.xml" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		skips, err := Skips(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(path))
		for _, s := range skips {
			out = append(out, TargetSkip{Skip: s, Target: Label(rel)})
		}
		return nil
	})
	return out, err
}

var shardOrRun = regexp.MustCompile(`^(shard|run)_\d+_of_\d+$`)

// Label turns a bazel-testlogs directory ("tools/ar/ar_test", or with a
// "shard_1_of_4" below it) into the test's label ("//tools/ar:ar_test").
func Label(rel string) string {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for len(parts) > 1 && shardOrRun.MatchString(parts[len(parts)-1]) {
		parts = parts[:len(parts)-1]
	}
	name := parts[len(parts)-1]
	return "//" + strings.Join(parts[:len(parts)-1], "/") + ":" + name
}
