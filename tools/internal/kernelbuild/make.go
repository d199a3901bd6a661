package kernelbuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/shellwords"
)

// The build's identity in the kernel's banner and in /proc/version: fixed,
// so that two builds of the same inputs are the same bytes.
var reproducibleEnv = []string{
	"KBUILD_BUILD_TIMESTAMP=Thu Jan  1 00:00:00 UTC 1970",
	"KBUILD_BUILD_USER=rules_fips140",
	"KBUILD_BUILD_HOST=bazel",
	"KBUILD_BUILD_VERSION=1",
	"SOURCE_DATE_EPOCH=0",
	"LC_ALL=C",
	"TZ=UTC",
}

type kbuild struct {
	o        Options
	src, obj string
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// make runs kbuild's make on the object tree for the goals. Its output is
// kept and shown only when it fails.
func (k kbuild) make(goals ...string) error {
	return k.makeIn(k.src, append([]string{"O=" + k.obj}, goals...)...)
}

func (k kbuild) makeIn(dir string, args ...string) error {
	jobs := k.o.Jobs
	if jobs < 1 {
		jobs = 1
	}
	all := []string{
		"-C", dir, "-j" + strconv.Itoa(jobs), "-s",
		"ARCH=" + k.o.Arch,
		"CROSS_COMPILE=" + k.o.CrossCompile,
		"CC=" + abs(k.o.CC),
		"LD=" + abs(k.o.LD),
	}
	all = append(all, args...)
	if k.o.Make != "" {
		// Host programs (fixdep, objtool) are built by the tree's gcc,
		// which is named with its version; objtool's build links with
		// unprefixed ld and ar.
		all = append(all,
			"HOSTCC="+k.o.program(k.o.hostTriple()+"-gcc-"+k.o.gccVersion()),
			"HOSTLD="+k.o.program(k.o.hostTriple()+"-ld"),
			"HOSTAR="+k.o.program(k.o.hostTriple()+"-ar"))
	}
	cmd := exec.Command(k.o.program("make"), all...)
	cmd.Env = append(k.o.env(), "HOME="+filepath.Dir(k.obj))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make %s: %v\n%s", strings.Join(args, " "), err, tail(out.String(), 60))
	}
	if k.o.Log != nil && out.Len() > 0 {
		k.o.Log.Write(out.Bytes())
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// probeFlags are the flags kbuild gives one external module's objects.
type probeFlags struct {
	cflags, aflags, objtool []string
}

// probeModule builds a two-part external module (a .c and a .S) against
// the kernel and reads the commands kbuild ran from its .cmd files.
func (k kbuild) probeModule() (probeFlags, error) {
	dir := filepath.Join(filepath.Dir(k.obj), "probe")
	files := map[string]string{
		"Kbuild":    "obj-m += probe.o\nprobe-y := probe_c.o probe_s.o\n",
		"probe_c.c": "#include <linux/module.h>\nint probe_c;\nMODULE_LICENSE(\"GPL\");\nMODULE_DESCRIPTION(\"probe\");\n",
		"probe_s.S": "#include <linux/linkage.h>\n\t.globl probe_s\nprobe_s:\n\t.long 0\n",
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return probeFlags{}, err
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return probeFlags{}, err
		}
	}
	if err := k.makeIn(k.obj, "M="+dir, "modules"); err != nil {
		return probeFlags{}, fmt.Errorf("building a probe module to read kbuild's module flags: %w", err)
	}
	var f probeFlags
	var err error
	if f.cflags, err = k.compileFlags(filepath.Join(dir, ".probe_c.o.cmd")); err != nil {
		return f, err
	}
	if f.aflags, err = k.compileFlags(filepath.Join(dir, ".probe_s.o.cmd")); err != nil {
		return f, err
	}
	f.objtool, err = k.objtoolArgs(filepath.Join(dir, ".probe.o.cmd"))
	return f, err
}

// savedCommand reads the `savedcmd_<target> := ...` line of a .cmd file.
func savedCommand(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "savedcmd_") {
			if _, cmd, ok := strings.Cut(line, " := "); ok {
				return cmd, nil
			}
		}
	}
	return "", fmt.Errorf("%s: no savedcmd_ line", path)
}

// Flags kbuild gives each object rather than the kernel: the rules add
// their own.
var perObject = []string{"-DMODULE", "-DKBUILD_BASENAME=", "-DKBUILD_MODNAME=", "-D__KBUILD_MODNAME=", "-DKBUILD_MODFILE=", "-Wp,-MMD,"}

// compileFlags reads a compile command: the flags between the compiler and
// `-c -o`, without per-object ones, with the trees' paths as @SRC@/@OBJ@.
func (k kbuild) compileFlags(cmdFile string) ([]string, error) {
	cmd, err := savedCommand(cmdFile)
	if err != nil {
		return nil, err
	}
	words, err := shellwords.Split(cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmdFile, err)
	}
	end := len(words)
	for i, w := range words {
		if w == "-c" {
			end = i
			break
		}
	}
	if end == len(words) || len(words) < 2 {
		return nil, fmt.Errorf("%s: no -c in %q", cmdFile, cmd)
	}
	var flags []string
	for _, w := range words[1:end] {
		if hasAnyPrefix(w, perObject) {
			continue
		}
		flags = append(flags, k.placeholders(w))
	}
	return flags, nil
}

// objtoolArgs reads objtool's arguments from the module link command
// (`ld -r ...; objtool ARGS probe.o`), or none when it runs no objtool.
func (k kbuild) objtoolArgs(cmdFile string) ([]string, error) {
	cmd, err := savedCommand(cmdFile)
	if err != nil {
		return nil, err
	}
	for _, part := range strings.Split(cmd, ";") {
		words, err := shellwords.Split(part)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cmdFile, err)
		}
		if len(words) > 1 && filepath.Base(words[0]) == "objtool" {
			return words[1 : len(words)-1], nil
		}
	}
	return nil, nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// placeholders writes the source and object trees' paths as @SRC@ and @OBJ@.
func (k kbuild) placeholders(flag string) string {
	flag = strings.ReplaceAll(flag, k.src, "@SRC@")
	flag = strings.ReplaceAll(flag, k.obj, "@OBJ@")
	return flag
}

// hostTriple is the build machine's GNU triple: the kernel toolchains run
// on x86_64 (toolchains/*/BUILD.bazel's exec_compatible_with).
func (o Options) hostTriple() string { return "x86_64-linux-gnu" }

// gccVersion is the version suffix of CC's name (x86_64-linux-gnu-gcc-16:
// "16"), which the host compiler of the same tree shares.
func (o Options) gccVersion() string {
	base := filepath.Base(o.CC)
	if i := strings.LastIndex(base, "-gcc-"); i >= 0 {
		return base[i+len("-gcc-"):]
	}
	return ""
}
