package main

// Differential tests: Debian's real modpost (linux-kbuild-7.2.13+deb14,
// downloaded at test time and pinned by SHA-256) and ours run on the same
// objects; their exit status, messages, Module.symvers and every .mod.c
// must agree.
//
// Environment:
//   - FIPS140_TEST_MODPOST: a real modpost binary to use instead of the
//     downloaded one (scripts/mod/modpost.real-lsb-64 of linux-kbuild).
//   - FIPS140_TEST_SYSROOT: a root with glibc >= 2.38 (e.g. a Debian sid
//     root); the real modpost is run with its dynamic loader and libraries.
//     Needed on hosts with an older glibc.
//   - FIPS140_TEST_KERNEL_OBJS: a directory of module objects compiled by
//     kbuild from real kernel sources, with their modules.order (see
//     testdata/build-kernel-objs.sh). Without it that test is skipped.
//   - debpkg's FIPS140_TEST_DEB_CACHE, FIPS140_TEST_DEBIAN_MIRROR and
//     FIPS140_TEST_DPKG_DEB.

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/debpkg"
)

type realTool struct {
	argv []string // loader and binary, before modpost's arguments
}

func (r realTool) run(dir string, args []string) (stderr string, ok bool, err error) {
	cmd := exec.Command(r.argv[0], append(r.argv[1:], args...)...)
	cmd.Dir = dir
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Stdout = &errb
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return errb.String(), false, nil
	}
	return errb.String(), err == nil, err
}

func findRealModpost(t *testing.T) realTool {
	t.Helper()
	bin := os.Getenv("FIPS140_TEST_MODPOST")
	if bin == "" {
		dir, err := debpkg.Extract(debpkg.KbuildAmd64)
		if err != nil {
			t.Skipf("real modpost unavailable (set FIPS140_TEST_MODPOST, or allow the download of %s %s): %v",
				debpkg.KbuildAmd64.Package, debpkg.KbuildAmd64.Version, err)
		}
		bin = filepath.Join(dir, "usr/lib/linux-kbuild-7.2.13+deb14/scripts/mod/modpost.real-lsb-64")
	}
	tool := realTool{argv: []string{bin}}
	if root := os.Getenv("FIPS140_TEST_SYSROOT"); root != "" {
		tool.argv = []string{
			filepath.Join(root, "lib64/ld-linux-x86-64.so.2"),
			"--library-path", filepath.Join(root, "lib/x86_64-linux-gnu") + ":" + filepath.Join(root, "usr/lib/x86_64-linux-gnu"),
			bin,
		}
	}
	if out, ok, err := tool.run(t.TempDir(), nil); !ok || err != nil {
		t.Skipf("real modpost %s does not run here (set FIPS140_TEST_SYSROOT to a root with glibc >= 2.38): %v %s", bin, err, out)
	}
	return tool
}

// scenario is one modpost run on testdata/objs/<arch>/<objects>.o.
type scenario struct {
	name    string
	objects []string
	args    []string // modpost arguments; modules.order lists the objects
	// ourArgs replaces args for our modpost when they differ (crypto mode).
	ourArgs []string
	// dropRealStderr removes the lines holding one of these strings from
	// the real stderr before comparing (messages crypto mode leaves out
	// on purpose).
	dropRealStderr []string
}

var extArgs = []string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux.symvers", "-e"}
var intreeArgs = []string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux.symvers"}

func with(base []string, extra ...string) []string {
	return append(append([]string(nil), base...), extra...)
}

var scenarios = []scenario{
	{name: "external", objects: []string{"exporter", "user", "friendly", "expdata"}, args: extArgs},
	{name: "intree", objects: []string{"exporter", "user", "friendly", "expdata"}, args: intreeArgs},
	{name: "objects as arguments", objects: nil, args: []string{"-M", "-o", "Module.symvers", "-i", "vmlinux.symvers", "exporter.o", "expdata.o", "-e"}},
	{name: "gpl only", objects: []string{"exporter", "proprietary"}, args: extArgs},
	{name: "namespace not imported", objects: []string{"exporter", "noimport"}, args: extArgs},
	{name: "namespace not imported -N", objects: []string{"exporter", "noimport"}, args: with(extArgs, "-N")},
	{name: "unresolved", objects: []string{"unresolved"}, args: extArgs},
	{name: "unresolved -w", objects: []string{"unresolved", "exporter"}, args: with(extArgs, "-w")},
	{name: "exported twice intree", objects: []string{"exporter", "dupexport"}, args: intreeArgs},
	{name: "exported twice external", objects: []string{"exporter", "dupexport"}, args: extArgs},
	{name: "bad export entries", objects: []string{"badexport"}, args: extArgs},
	{name: "no license", objects: []string{"nolicense"}, args: extArgs},
	{name: "no vmlinux symbols", objects: []string{"exporter", "user"}, args: []string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-e"}},
	{
		// Crypto mode skips unresolved symbols; the real modpost with -w
		// only warns about them, so the outputs must be the same.
		name: "crypto mode", objects: []string{"unresolved", "exporter", "user"},
		args:           with(intreeArgs, "-w"),
		ourArgs:        with(intreeArgs, "-c"),
		dropRealStderr: []string{"] undefined!\n", "unresolved symbol warnings because there were too many"},
	},
}

func TestDifferentialSynthetic(t *testing.T) {
	tool := findRealModpost(t)
	for _, arch := range []string{"x86_64", "aarch64"} {
		for _, sc := range scenarios {
			t.Run(arch+"/"+sc.name, func(t *testing.T) {
				src := filepath.Join("testdata", "objs", arch)
				objs := sc.objects
				if objs == nil {
					objs = []string{"exporter", "expdata"}
				}
				setup := func() string {
					dir := t.TempDir()
					copyFile(t, "testdata/vmlinux.symvers", filepath.Join(dir, "vmlinux.symvers"))
					var order strings.Builder
					for _, o := range objs {
						copyFile(t, filepath.Join(src, o+".o"), filepath.Join(dir, o+".o"))
						order.WriteString(o + ".o\n")
					}
					if sc.objects != nil {
						writeFile(t, filepath.Join(dir, "modules.order"), order.String())
					}
					return dir
				}
				compareRuns(t, tool, setup(), setup(), sc.args, sc.ourArgs, sc.dropRealStderr)
			})
		}
	}
}

// TestDifferentialKernelObjects runs both on objects kbuild compiled from
// real kernel sources against Debian's headers, with kbuild's arguments.
func TestDifferentialKernelObjects(t *testing.T) {
	objDir := os.Getenv("FIPS140_TEST_KERNEL_OBJS")
	if objDir == "" {
		t.Skip("set FIPS140_TEST_KERNEL_OBJS to a directory made by testdata/build-kernel-objs.sh")
	}
	tool := findRealModpost(t)
	order, err := os.ReadFile(filepath.Join(objDir, "modules.order"))
	if err != nil {
		t.Fatal(err)
	}
	objs := strings.Fields(string(order))
	if len(objs) == 0 {
		t.Fatalf("%s/modules.order is empty", objDir)
	}
	pin := debpkg.HeadersAmd64
	if f, err := elf.Open(filepath.Join(objDir, objs[0])); err != nil {
		t.Fatal(err)
	} else {
		if f.Machine == elf.EM_AARCH64 {
			pin = debpkg.HeadersArm64
		}
		f.Close()
	}
	headers, err := debpkg.Extract(pin)
	if err != nil {
		t.Skipf("headers unavailable: %v", err)
	}
	symvers := filepath.Join(headers, "usr/src", pin.Package, "Module.symvers")
	setup := func() string {
		dir := t.TempDir()
		for _, o := range objs {
			copyFile(t, filepath.Join(objDir, o), filepath.Join(dir, o))
		}
		copyFile(t, filepath.Join(objDir, "modules.order"), filepath.Join(dir, "modules.order"))
		return dir
	}
	// The command line of scripts/Makefile.modpost for `make M=... modules`.
	args := []string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-i", symvers, "-e"}
	compareRuns(t, tool, setup(), setup(), args, nil, nil)
}

func compareRuns(t *testing.T, tool realTool, realDir, ourDir string, args, ourArgs []string, dropRealStderr []string) {
	t.Helper()
	before := listFiles(t, realDir)
	realErr, realOK, err := tool.run(realDir, args)
	if err != nil {
		t.Fatalf("running real modpost: %v", err)
	}
	if ourArgs == nil {
		ourArgs = args
	}
	var ourErr bytes.Buffer
	t.Chdir(ourDir)
	ourOK := false
	if opts, err := parseArgs(ourArgs, &ourErr); err != nil {
		t.Fatalf("parseArgs(%q): %v", ourArgs, err)
	} else {
		ourOK = run(opts, &ourErr) == 0
	}

	var kept []string
lines:
	for _, l := range strings.SplitAfter(realErr, "\n") {
		for _, drop := range dropRealStderr {
			if strings.Contains(l, drop) {
				continue lines
			}
		}
		kept = append(kept, l)
	}
	realErr = strings.Join(kept, "")
	t.Logf("args %q\nreal stderr:\n%s", args, realErr)
	if realOK != ourOK {
		t.Errorf("real modpost succeeded=%v, ours succeeded=%v\nours said:\n%s", realOK, ourOK, ourErr.String())
	}
	if diff := cmp.Diff(realErr, ourErr.String()); diff != "" {
		t.Errorf("messages differ (-real +ours):\n%s", diff)
	}
	realFiles, ourFiles := listFiles(t, realDir), listFiles(t, ourDir)
	for name := range before {
		delete(realFiles, name)
		delete(ourFiles, name)
	}
	if diff := cmp.Diff(realFiles, ourFiles); diff != "" {
		t.Errorf("outputs differ (-real +ours):\n%s", diff)
	}
	if realOK && len(realFiles) == 0 {
		t.Errorf("real modpost wrote nothing; the comparison proves little")
	}
}

func listFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		files[n] = string(data)
	}
	return files
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(data))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
