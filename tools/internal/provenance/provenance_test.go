package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testKey = "fips140-test-key-that-is-long-enough-for-the-eighty-character-minimum-0123456789"

// A small build tree, as paths in an execution root.
var tree = map[string]string{
	"bazel-out/k8-fastbuild/bin/examples/vmlinux/vmlinux":                         "vmlinux bytes\n",
	"bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/fips140.ko":       "module bytes\n",
	"bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/.fips140.hmac":    "digest bytes\n",
	"bazel-out/k8-fastbuild/bin/examples/fips140/crypto/rot13.ko":                 "rot13 module\n",
	"bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/fips140.ko":       "fresh module bytes\n",
	"bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/.fips140.symvers": "symvers\n",
	"bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/fips140.o":        "fips140.o\n",
	"bazel-out/k8-opt-exec-ST-0123/bin/tools/hmac/hmac_/hmac":                     "hmac binary\n",
	"external/kernel_tools/bin/x86_64-linux-gnu-gcc-16":                           "gcc binary\n",
	// A wrapper as @kernel_tools writes them; real tools are absolute paths.
	"external/kernel_tools/bin/x86_64-linux-gnu-ld": "#!/bin/sh\nexec 'usr/bin/x86_64-linux-gnu-ld.bfd' \"$@\"\n",
	"usr/bin/x86_64-linux-gnu-ld.bfd":               "ld binary\n",
	"examples/crypto/rot13.c":                       "int rot13;\n",
	"examples/kernel/include/a.h":                   "#define A 1\n",
	"examples/kernel/include/b/b.h":                 "#define B 2\n",
	"external/example_config/.config":               "CONFIG_X86_64=y\nCONFIG_CRYPTO_FIPS140_EXTMOD=y\n# CONFIG_CRYPTO_FIPS140_DUAL_VERSION is not set\nCONFIG_CRYPTO_FIPS140_HMAC_KEY=\"" + testKey + "\"\nCONFIG_CRYPTO_ROT13=m\n",
	"external/kernel_tools/builder.txt":             "bazel=7.7.1\ngazelle=0.47.0\nrules_go=0.59.0\n",
	"external/kernel_tools/versions.txt":            "pahole=v1.32\nx86_64-linux-gnu-gcc-16=x86_64-linux-gnu-gcc-16 (Debian 16.2.0-4) 16.2.0\n",
	"external/kernel_tools/buildenv.txt":            "# rules_fips140 build root: tool versions\nbazel=7.7.1\ngo=go version go1.27.3 linux/amd64\n# packages: name=version\napt=3.3.5\nlibc6=2.42-1\nvim=2:9.1.0-1\n",
	"external/kernel_tools_debian/packages.txt": "gcc-16-x86-64-linux-gnu\t16.2.0-4\tpool/main/g/gcc-16-cross/gcc-16-x86-64-linux-gnu_16.2.0-4_amd64.deb\t" + strings.Repeat("ab", 32) + "\n" +
		"libc6\t2.43-7\tpool/main/g/glibc/libc6_2.43-7_amd64.deb\t" + strings.Repeat("01", 32) + "\n" +
		"bison\t2:3.8.2+dfsg-1+b3\tpool/main/b/bison/bison_3.8.2+dfsg-1+b3_amd64.deb\t" + strings.Repeat("c3", 32) + "\n",
	"external/kernel_tools/nobuildenv.txt": "# no build root record at /opt/rules_fips140/buildenv.txt (set RULES_FIPS140_BUILDENV): packages unknown\n",
}

// writeTree writes tree into a temporary directory and enters it.
func writeTree(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range tree {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

func inputs(pairs ...string) []Input {
	var in []Input
	for i := 0; i < len(pairs); i += 2 {
		in = append(in, Input{Role: pairs[i], Path: pairs[i+1]})
	}
	return in
}

var cases = []struct {
	name string
	opts Options
}{
	{"basic", Options{
		External: map[string]string{"target": "//examples:vmlinux", "arch": "x86_64", "compiler": "gcc"},
		Inputs: inputs(
			"subject:vmlinux", "bazel-out/k8-fastbuild/bin/examples/vmlinux/vmlinux",
			"subject:fips140.ko", "bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/fips140.ko",
			"subject:fips140.hmac", "bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/.fips140.hmac",
			"subject:crypto_module", "bazel-out/k8-fastbuild/bin/examples/fips140/crypto/rot13.ko",
			"config", "external/example_config/.config",
			"tool", "external/kernel_tools/bin/x86_64-linux-gnu-gcc-16",
			"tool", "external/kernel_tools/bin/x86_64-linux-gnu-ld",
			"tool", "bazel-out/k8-opt-exec-ST-0123/bin/tools/hmac/hmac_/hmac",
			"headers:@@//examples:kernel", "examples/kernel/include/b/b.h",
			"headers:@@//examples:kernel", "examples/kernel/include/a.h",
			"source", "examples/crypto/rot13.c",
			// Also a source: the config role wins.
			"source", "external/example_config/.config",
			"object", "bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/fips140.o",
			"byproduct", "bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/.fips140.symvers",
			"builder", "external/kernel_tools/builder.txt",
			"versions", "external/kernel_tools/versions.txt",
			"buildenv", "external/kernel_tools/buildenv.txt",
		),
	}},
	{"dual_no_buildenv", Options{
		External: map[string]string{"target": "//examples:vmlinux_dual", "arch": "arm64", "compiler": "clang"},
		Inputs: inputs(
			"subject:vmlinux", "bazel-out/k8-fastbuild/bin/examples/vmlinux/vmlinux",
			"subject:fips140.ko", "bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/fips140.ko",
			"subject:fips140.hmac", "bazel-out/k8-fastbuild/bin/examples/vmlinux/crypto/fips140/.fips140.hmac",
			"subject:nonfips140.ko", "bazel-out/k8-fastbuild/bin/examples/fips140/crypto/fips140/fips140.ko",
			"config", "external/example_config/.config",
			"builder", "external/kernel_tools/builder.txt",
			"buildenv", "external/kernel_tools/nobuildenv.txt",
		),
	}},
	{"pinned_toolchain", Options{
		External: map[string]string{"target": "//examples:vmlinux", "arch": "x86_64", "compiler": "gcc"},
		Inputs: inputs(
			"subject:vmlinux", "bazel-out/k8-fastbuild/bin/examples/vmlinux/vmlinux",
			"config", "external/example_config/.config",
			"packages", "external/kernel_tools_debian/packages.txt",
			"builder", "external/kernel_tools/builder.txt",
		),
	}},
}

func TestGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden, err := filepath.Abs(filepath.Join("testdata", tc.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			writeTree(t)
			got := mustMarshal(t, tc.opts)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs (-want +got), rerun with -update if intended:\n%s", golden, diff)
			}
			if _, err := Parse(golden, got); err != nil {
				t.Errorf("Parse of what Build wrote: %v", err)
			}
		})
	}
}

func mustMarshal(t *testing.T, o Options) []byte {
	t.Helper()
	st, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The record depends neither on the order of the inputs nor on where the
// tree is, holds no absolute path, and never the key.
func TestDeterministicAndRelative(t *testing.T) {
	o := cases[0].opts
	writeTree(t)
	first := mustMarshal(t, o)
	shuffled := o
	shuffled.Inputs = append([]Input(nil), o.Inputs...)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled.Inputs), func(i, j int) {
		shuffled.Inputs[i], shuffled.Inputs[j] = shuffled.Inputs[j], shuffled.Inputs[i]
	})
	writeTree(t) // another directory
	if second := mustMarshal(t, shuffled); !bytes.Equal(first, second) {
		t.Errorf("the record changed with the input order or the tree's place:\n%s\n%s", first, second)
	}
	if bytes.Contains(first, []byte(testKey)) {
		t.Error("the record holds the HMAC key")
	}
	if m := regexp.MustCompile(`"(/[^/"][^"]*)"`).FindSubmatch(first); m != nil {
		t.Errorf("the record holds an absolute path: %s", m[1])
	}
	if bytes.Contains(first, []byte("bazel-out/")) {
		t.Error("the record holds a bazel-out/ path")
	}
}

// The header set's digest is what `sha256sum FILES | sort | sha256sum` gives
// when the files are named as recorded.
func TestHeaderSetMatchesSha256sum(t *testing.T) {
	tool := os.Getenv("FIPS140_TEST_SHA256SUM")
	if tool == "" {
		var err error
		if tool, err = exec.LookPath("sha256sum"); err != nil {
			testskip.Skipf(t, "no sha256sum: set FIPS140_TEST_SHA256SUM")
		}
	}
	writeTree(t)
	files := []string{"examples/kernel/include/b/b.h", "examples/kernel/include/a.h"}
	out, err := exec.Command(tool, files...).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(out), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\n") + "\n"
	}
	sort.Strings(lines)
	cmd := exec.Command(tool)
	cmd.Stdin = strings.NewReader(strings.Join(lines, ""))
	sum, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	d, err := headerSet("@@//examples:kernel", files)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Fields(string(sum))[0]; d.Digest["sha256"] != want {
		t.Errorf("header set digest %s, sha256sum | sort | sha256sum gives %s", d.Digest["sha256"], want)
	}
	if d.Name != "headers://examples:kernel" {
		t.Errorf("name %q", d.Name)
	}
}

// A wrapper's program is recorded by its real path, through symlinks, with
// the sha256 of the program itself.
func TestWrappedToolResolvesSymlinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "gcc-16")
	if err := os.WriteFile(real, []byte("the compiler\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("gcc-16", filepath.Join(dir, "gcc")); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(dir, "wrapper")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec '"+filepath.Join(dir, "gcc")+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notWrapper := filepath.Join(dir, "script")
	if err := os.WriteFile(notWrapper, []byte("#!/bin/sh\nexec '/bin/true' \"$@\"\necho more\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := Build(Options{Inputs: inputs("tool", wrapper, "tool", notWrapper)})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("the compiler\n"))
	var names []string
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		names = append(names, d.Name)
		if d.Name == real && d.Digest["sha256"] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sha256 %s, want the program's %x", real, d.Digest["sha256"], sum)
		}
	}
	if diff := cmp.Diff([]string{real, notWrapper, wrapper}, names); diff != "" {
		t.Errorf("resolvedDependencies (-want +got):\n%s", diff)
	}
}

func TestBuildBadInput(t *testing.T) {
	writeTree(t)
	if err := os.WriteFile("bad.txt", []byte("bazel=7\nno equals sign\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("dangling", []byte("#!/bin/sh\nexec '/nonexistent/gcc' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("nokey.config", []byte("CONFIG_CRYPTO_FIPS140_EXTMOD=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   []Input
		want string
	}{
		{inputs("source", "missing.c"), "missing.c"},
		{inputs("headers:x", "missing.h"), "missing.h"},
		{inputs("frobnicate", "examples/crypto/rot13.c"), `examples/crypto/rot13.c: unknown role "frobnicate"`},
		{inputs("builder", "bad.txt"), "bad.txt:2: want name=value"},
		{inputs("config", "nokey.config"), "nokey.config: no CONFIG_CRYPTO_FIPS140_HMAC_KEY"},
		{inputs("tool", "examples"), "examples"},
		{inputs("tool", "dangling"), "dangling: the program it runs: lstat /nonexistent"},
	} {
		_, err := Build(Options{Inputs: tc.in})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%v) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestParsePackagesErrors(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct{ text, want string }{
		{"", "no packages"},
		{"make\t4.4.1-3\tpool/main/m/make-dfsg/make_4.4.1-3_amd64.deb\n", "separated by tabs"},
		{"make\t4.4.1-3\tmake_4.4.1-3_amd64.deb\t" + sum + "\n", "is not a pool path"},
		{"make\t4.4.1-3\tpool/main/m/make-dfsg/make_4.4.1-3_amd64.deb\tXYZ\n", "is not a sha256"},
		{"\t4.4.1-3\tpool/main/m/make-dfsg/make_4.4.1-3_amd64.deb\t" + sum + "\n", "empty package name"},
		{strings.Repeat("make\t4.4.1-3\tpool/main/m/make-dfsg/make_4.4.1-3_amd64.deb\t"+sum+"\n", 2), "listed twice"},
	} {
		_, err := ParsePackages("packages.txt", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "packages.txt") {
			t.Errorf("ParsePackages(%q) = %v, want an error naming packages.txt and %q", tc.text, err, tc.want)
		}
	}
}

func FuzzParsePackages(f *testing.F) {
	f.Add([]byte(tree["external/kernel_tools_debian/packages.txt"]))
	f.Add([]byte("a\tb\tpool/x.deb\t" + strings.Repeat("0", 64) + "\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePackages("fuzz", data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if !sha256Hex.MatchString(p.SHA256) || p.Name == "" || !strings.HasPrefix(p.Pool, "pool/") {
				t.Fatalf("accepted a bad package %+v", p)
			}
		}
		if len(packagesIdentity(pkgs)) != 64 {
			t.Fatal("identity is not a sha256")
		}
	})
}
