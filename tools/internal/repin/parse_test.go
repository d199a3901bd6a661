package repin

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

// The parsers of outside input, each dumped for the golden files
// testdata/<kind>/NAME.golden from testdata/<kind>/NAME.in (an error is
// dumped as "error: ..."). Regenerate with `go test ./tools/internal/repin -update`.
var dumpers = map[string]func(name string, data []byte) (string, error){
	"packages": func(name string, data []byte) (string, error) {
		entries, err := ParsePackages(name, bytes.NewReader(data))
		var b strings.Builder
		for _, e := range entries {
			fmt.Fprintf(&b, "%s %s %s source=%s size=%d\n  %s\n  %s\n", e.Package, e.Version, e.Architecture, e.Source, e.Size, e.Filename, e.SHA256)
		}
		return b.String(), err
	},
	"release": func(name string, data []byte) (string, error) {
		r, err := ParseRelease(name, data)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "date %s\nsnapshot %s\n", r.Date.Format("2006-01-02T15:04:05Z07:00"), Snapshot(r.Date))
		for _, p := range SortedKeys(r.SHA256) {
			fmt.Fprintf(&b, "%s %d %s\n", r.SHA256[p].SHA256, r.SHA256[p].Size, p)
		}
		return b.String(), nil
	},
	"module": func(name string, data []byte) (string, error) {
		tags, err := ParseModule(name, string(data))
		var b strings.Builder
		for _, t := range tags {
			fmt.Fprintf(&b, "%s %s (line %d) snapshot=%q (line %d)\n", t.Class, t.Name, t.Line, t.Snapshot, t.SnapshotLine)
			for _, p := range t.Pins {
				fmt.Fprintf(&b, "  %d: %s %s %s source=%s %s\n", p.Line, p.Deb.Package, p.Deb.Version, p.Deb.Arch, p.Deb.Source, p.SHA256)
			}
		}
		return b.String(), err
	},
}

func TestParsersGolden(t *testing.T) {
	for kind, dump := range dumpers {
		ins, err := filepath.Glob(filepath.Join("testdata", kind, "*.in"))
		if err != nil || len(ins) == 0 {
			t.Fatalf("no testdata/%s/*.in: %v", kind, err)
		}
		for _, in := range ins {
			name := strings.TrimSuffix(filepath.Base(in), ".in")
			t.Run(kind+"/"+name, func(t *testing.T) {
				data, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				got, err := dump(name+".in", data)
				if err != nil {
					got += "error: " + err.Error() + "\n"
				}
				golden.Check(t, filepath.Join(kind, name+".golden"), []byte(got), *update)
			})
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int // the sign
	}{
		{"1.0", "1.0", 0},
		{"1.0-1", "1.0-2", -1},
		{"1.0-10", "1.0-9", 1},
		{"1:1.0", "2.0", 1},
		{"0:1.0", "1.0", 0},
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc1", "1.0~rc2", -1},
		{"1.0", "1.0+b1", -1},
		{"1.0a", "1.0", 1},
		{"1.0a", "1.0+", -1}, // letters sort before other characters
		{"7.2.14-1", "7.2.13-1", 1},
		{"7.10.1-1", "7.9.9-1", 1},
		{"2.47.50.20261021-1", "2.47.50.20261021-1", 0},
		{"6.6+20260608-2", "6.6+20260608-10", -1},
		{"1.0-1~bpo1", "1.0-1", -1},
		{"007", "7", 0},
	} {
		got := CompareVersions(tc.a, tc.b)
		if sign(got) != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
		if sign(CompareVersions(tc.b, tc.a)) != -tc.want {
			t.Errorf("CompareVersions(%q, %q) is not the opposite of (%q, %q)", tc.b, tc.a, tc.a, tc.b)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestBoundedReplacements(t *testing.T) {
	p := &Plan{Kernel: &KernelMove{OldVersion: "7.2.13-1", NewVersion: "7.2.14-1", OldABI: "7.2.13+deb14", NewABI: "7.2.14+deb14", OldSeries: "7.2", NewSeries: "7.3"}}
	for in, want := range map[string]string{
		"linux-kbuild-7.2.13+deb14_7.2.13-1_amd64.deb":                    "linux-kbuild-7.2.14+deb14_7.2.14-1_amd64.deb",
		"7.2.13+deb140 17.2.13+deb14 7.2.13-10 7.2.13-1.1":                "7.2.13+deb140 17.2.13+deb14 7.2.13-10 7.2.13-1.1",
		"@debian_linux_headers_7_2_13_amd64//:x":                          "@debian_linux_headers_7_2_14_amd64//:x",
		"_main~debian~debian_linux_kbuild_7_2_13_amd64":                   "_main~debian~debian_linux_kbuild_7_2_14_amd64",
		"debian_linux_headers_7_2_130 x_debian_linux_source_7_2":          "debian_linux_headers_7_2_130 x_debian_linux_source_7_2",
		"@debian_linux_source_7_2//:ROOT debian_linux_source_7_2_tarball": "@debian_linux_source_7_3//:ROOT debian_linux_source_7_3_tarball",
		"linux-source-7.2.tar.xz linux-source-7.20 linux-source-7.2.1":    "linux-source-7.3.tar.xz linux-source-7.20 linux-source-7.2.1",
	} {
		got := in
		for _, r := range replacements(p) {
			got = r.apply(got)
		}
		if got != want {
			t.Errorf("rewriting %q gave %q, want %q", in, got, want)
		}
	}
}

// TestCheckFindsDisagreement breaks each derived file of the kernel
// scenario's tree once: Check must name it.
func TestCheckFindsDisagreement(t *testing.T) {
	s := readScenario(t, "testdata/repin/kernel.txtar")
	if problems := Check(s.tree); len(problems) > 0 {
		t.Fatalf("the scenario's tree does not agree with itself: %v", problems)
	}
	for _, tc := range []struct{ file, old, new, want string }{
		{DebpkgPath, strings.Repeat("d", 64), strings.Repeat("0", 64), "has sha256"},
		{DebpkgPath, `"7.2.13-1",` + "\n\t\t\"pool/main/l/linux/linux-source", `"7.2.13-2",` + "\n\t\t\"pool/main/l/linux/linux-source", "do not name the file"},
		{"tests/BUILD.bazel", "7.2.13+deb14-amd64/Module", "7.2.12+deb14-amd64/Module", "names 7.2.12+deb14"},
		{"tests/BUILD.bazel", "debian_linux_headers_7_2_13_amd64", "debian_linux_headers_7_2_12_amd64", "debian_linux_headers_7_2_12"},
		{"tests/BUILD.bazel", "linux-source-7.2.tar", "linux-source-7.3.tar", "linux-source-7.3"},
	} {
		tree := map[string][]byte{}
		for p, d := range s.tree {
			tree[p] = d
		}
		if !bytes.Contains(tree[tc.file], []byte(tc.old)) {
			t.Fatalf("%s has no %q", tc.file, tc.old)
		}
		tree[tc.file] = bytes.Replace(tree[tc.file], []byte(tc.old), []byte(tc.new), 1)
		problems := strings.Join(Check(tree), "\n")
		if !strings.Contains(problems, tc.want) {
			t.Errorf("with %q for %q in %s, Check = %q, want a problem with %q", tc.new, tc.old, tc.file, problems, tc.want)
		}
	}
}

func FuzzParsePackages(f *testing.F) {
	addSeeds(f, "packages")
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParsePackages("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Package == "" || e.Version == "" || e.Filename == "" || !sha256Re.MatchString(e.SHA256) || e.Source == "" {
				t.Fatalf("incomplete entry accepted: %+v", e)
			}
		}
		NewIndex(entries)
	})
}

func FuzzParseRelease(f *testing.F) {
	addSeeds(f, "release")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRelease("fuzz", data)
		if err != nil {
			return
		}
		s := Snapshot(r.Date)
		if len(s) != len("20261031T000000Z") || !strings.HasSuffix(s, "T000000Z") {
			t.Fatalf("Snapshot(%v) = %q", r.Date, s)
		}
	})
}

func FuzzParseModule(f *testing.F) {
	addSeeds(f, "module")
	f.Fuzz(func(t *testing.T, data []byte) {
		tags, err := ParseModule("fuzz", string(data))
		if err != nil {
			return
		}
		for _, tg := range tags {
			if tg.Name == "" {
				t.Fatalf("a tag without a name accepted: %+v", tg)
			}
			for _, p := range tg.Pins {
				if _, err := ParseDeb(p.Deb.Path); err != nil || !sha256Re.MatchString(p.SHA256) {
					t.Fatalf("a bad pin accepted: %+v", p)
				}
			}
		}
		// Stamping and rewriting what parsed must not fail.
		Rewrite(map[string][]byte{ModulePath: data}, tags, &Plan{Snapshot: "20261031T000000Z"})
	})
}

func FuzzCompareVersions(f *testing.F) {
	f.Add("1:2.0~rc1-1", "2.0-1+b1")
	f.Add("7.2.13-1", "7.2.14-1")
	f.Fuzz(func(t *testing.T, a, b string) {
		if sign(CompareVersions(a, b)) != -sign(CompareVersions(b, a)) {
			t.Fatalf("CompareVersions(%q, %q) is not antisymmetric", a, b)
		}
		if CompareVersions(a, a) != 0 {
			t.Fatalf("CompareVersions(%q, %q) != 0", a, a)
		}
	})
}

func addSeeds(f *testing.F, kind string) {
	ins, _ := filepath.Glob(filepath.Join("testdata", kind, "*.in"))
	for _, in := range ins {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
