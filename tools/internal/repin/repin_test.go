package repin

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// mapSource is a mirror in memory.
type mapSource map[string][]byte

func (m mapSource) Get(path string) ([]byte, error) {
	if d, ok := m[path]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("%s: HTTP 404 Not Found", path)
}

// scenario reads testdata/repin/NAME.txtar: its comment's first line is
// "args: <flags>", file "date" is the index's Date, "index/<arch>" each
// architecture's Packages, and "tree/..." the checkout.
type scenario struct {
	args   []string
	mirror mapSource
	tree   map[string][]byte
}

func readScenario(t *testing.T, path string) scenario {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(ar.Comment), "\n")
	args, ok := strings.CutPrefix(first, "args:")
	if !ok {
		t.Fatalf("%s: the comment does not start with \"args:\"", path)
	}
	s := scenario{args: strings.Fields(args), mirror: mapSource{}, tree: map[string][]byte{}}
	var release strings.Builder
	var sums []string
	for _, f := range ar.Files {
		switch {
		case f.Name == "date":
			fmt.Fprintf(&release, "Origin: Debian\nSuite: unstable\nCodename: sid\nDate: %s\n", strings.TrimSpace(string(f.Data)))
		case strings.HasPrefix(f.Name, "index/"):
			name := "main/binary-" + strings.TrimPrefix(f.Name, "index/") + "/Packages"
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(f.Data)
			zw.Close()
			s.mirror["dists/sid/"+name+".gz"] = gz.Bytes()
			sums = append(sums, fmt.Sprintf(" %s %d %s", sum(f.Data), len(f.Data), name))
		case strings.HasPrefix(f.Name, "tree/"):
			s.tree[strings.TrimPrefix(f.Name, "tree/")] = f.Data
		default:
			t.Fatalf("%s: unexpected file %s", path, f.Name)
		}
	}
	sort.Strings(sums)
	release.WriteString("SHA256:\n" + strings.Join(sums, "\n") + "\n")
	s.mirror["dists/sid/InRelease"] = []byte(release.String())
	return s
}

func (s scenario) options(t *testing.T, dir string, out *bytes.Buffer) Options {
	o := Options{Workspace: dir, Source: s.mirror, Kernel: true, Stdout: out}
	fs := flag.NewFlagSet("repin", flag.ContinueOnError)
	fs.BoolVar(&o.Kernel, "kernel", true, "")
	fs.BoolVar(&o.DryRun, "dry_run", false, "")
	if err := fs.Parse(s.args); err != nil {
		t.Fatal(err)
	}
	return o
}

func writeTree(t *testing.T, dir string, tree map[string][]byte) {
	for p, d := range tree {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScenarios runs repin on each scenario and compares with
// testdata/repin/NAME.golden: the output or error, every file it changed,
// the agreement check on the result, and a second run, which must find
// nothing to move (or fail as the first did). Regenerate with
// `go test ./tools/internal/repin -update`.
func TestScenarios(t *testing.T) {
	paths, err := filepath.Glob("testdata/repin/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			s := readScenario(t, path)
			dir := t.TempDir()
			writeTree(t, dir, s.tree)
			var out bytes.Buffer
			o := s.options(t, dir, &out)
			res := &txtar.Archive{}
			add := func(name, data string) { res.Files = append(res.Files, txtar.File{Name: name, Data: []byte(data)}) }
			err := Run(o)
			add("stdout", out.String())
			if err != nil {
				add("error", err.Error()+"\n")
			}
			after, rerr := ReadTree(dir)
			if rerr != nil {
				t.Fatal(rerr)
			}
			for _, p := range SortedKeys(after) {
				if !bytes.Equal(after[p], s.tree[p]) {
					add("tree/"+p, string(after[p]))
				}
			}
			if len(after) != len(s.tree) {
				t.Errorf("the tree had %d files, now %d", len(s.tree), len(after))
			}
			add("check", strings.Join(Check(after), "\n")+"\n")
			out.Reset()
			err2 := Run(s.options(t, dir, &out))
			second := out.String()
			if err2 != nil {
				second += "error: " + err2.Error() + "\n"
			}
			add("second run", second)
			if (err == nil) != (err2 == nil) {
				t.Errorf("the first run returned %v, the second %v", err, err2)
			}
			golden.Check(t, "repin/"+name+".golden", txtar.Format(res), *update)
		})
	}
}

func TestReadIndexRefusesIndexThatDisagreesWithInRelease(t *testing.T) {
	s := readScenario(t, "testdata/repin/current.txtar")
	s.mirror["dists/sid/InRelease"] = bytes.Replace(s.mirror["dists/sid/InRelease"], []byte("SHA256:\n "), []byte("SHA256:\n 0"), 1)
	_, _, err := ReadIndex(s.mirror, []string{"all", "amd64", "arm64"})
	if err == nil || !strings.Contains(err.Error(), "InRelease") {
		t.Errorf("ReadIndex = %v, want an error naming InRelease", err)
	}
}
