// Package kernelbuild runs kbuild on an unmodified kernel source tarball
// inside one build action: it checks that the .config is already resolved,
// builds vmlinux without the objects routed into fips140.ko, records the
// flags kbuild gives module objects, and copies out what the final link and
// module builds need.
package kernelbuild

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/ar"
	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"
)

// SrcArch maps a kernel ARCH to its arch/ directory.
var srcArch = map[string]string{"x86_64": "x86", "arm64": "arm64"}

// Options is one kernel build.
type Options struct {
	Source       string // linux-source tarball (.tar.xz)
	SourcePrefix string // the tarball's top directory, stripped
	Config       string // the resolved .config (the seed's CRYPTO_FIPS140_* lines allowed)
	Arch         string // x86_64 or arm64
	CC, LD       string // the kernel toolchain's compiler and linker
	CrossCompile string // prefix of the other binutils (ar, nm, objcopy...), e.g. aarch64-linux-gnu-
	// Make is GNU make in a directory of every program the build runs
	// (tar, flex, bison, perl, the binutils...): the build's PATH is that
	// directory alone. Empty: make and the rest come from PATH.
	Make string
	Jobs int
	// FIPS140Objects are kbuild object paths (crypto/aes.o) that fips140.ko
	// carries: they are taken out of vmlinux.a before vmlinux is linked.
	FIPS140Objects []string
	// ExpectCflags and ExpectAflags are the module compile flags the build
	// rule was given; kbuild's own must equal them (placeholders @SRC@ and
	// @OBJ@ for the source and object trees).
	ExpectCflags, ExpectAflags []string
	// ExpectObjtoolArgs are objtool's arguments for module objects; empty
	// when the kernel runs no objtool on modules.
	ExpectObjtoolArgs []string
	// Headers is the directory to fill with what module objects compile
	// against: src/ (include, arch/<arch>/include) and obj/ (generated).
	Headers string
	// Outputs maps a path in the object tree (or, failing that, the source
	// tree) to where to copy it.
	Outputs map[string]string
	// Symversions, when set, is where to write the symbol versions kbuild's
	// genksyms gave FIPS140Objects (their .cmd files' #SYMVER lines, each
	// after the object's path), for comparing with the rules' own.
	Symversions string
	// Work is a scratch directory, removed at the end.
	Work string
	Log  io.Writer
}

// Build runs the whole build.
func Build(o Options) error {
	sa, ok := srcArch[o.Arch]
	if !ok {
		return fmt.Errorf("unknown kernel ARCH %q (want x86_64 or arm64)", o.Arch)
	}
	committed, err := kconfig.ParseFile(o.Config)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.Work); err != nil {
		return err
	}
	defer os.RemoveAll(o.Work)
	work, err := filepath.Abs(o.Work)
	if err != nil {
		return err
	}
	src, obj := filepath.Join(work, "src"), filepath.Join(work, "obj")
	for _, d := range []string{src, obj} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := extract(o.program("tar"), o.env(), o.Source, o.SourcePrefix, src); err != nil {
		return err
	}
	data, err := os.ReadFile(o.Config)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(obj, ".config"), data, 0o644); err != nil {
		return err
	}
	k := kbuild{o: o, src: src, obj: obj}
	if err := k.make("olddefconfig"); err != nil {
		return err
	}
	resolved, err := kconfig.ParseFile(filepath.Join(obj, ".config"))
	if err != nil {
		return err
	}
	resolved.File = "kbuild's olddefconfig"
	if drift := ConfigDrift(committed, resolved); len(drift) > 0 {
		return fmt.Errorf("%s is not what Kconfig resolves for this kernel and compiler (regenerate it with make olddefconfig); %d symbols differ:\n  %s",
			o.Config, len(drift), strings.Join(drift, "\n  "))
	}
	// kbuild's own archive of vmlinux's objects; then the same without the
	// objects that fips140.ko carries, and the rest of vmlinux from it.
	// (vmlinux_o, not vmlinux.a: make takes a goal ending in .a or .o for
	// a single-object build.)
	if err := k.make("vmlinux_o", "modules_prepare"); err != nil {
		return err
	}
	if o.Symversions != "" {
		if err := writeSymversions(obj, o.FIPS140Objects, o.Symversions); err != nil {
			return err
		}
	}
	if err := removeMembers(filepath.Join(obj, "vmlinux.a"), obj, o.FIPS140Objects); err != nil {
		return err
	}
	if err := k.make("vmlinux"); err != nil {
		return err
	}
	// The probe module is built against Module.symvers, which `make
	// modules` would write as vmlinux.symvers plus the in-tree modules'
	// exports; no in-tree module is built here. (With MODVERSIONS, modpost
	// fails without it: module_layout is undefined.)
	if err := copyFile(filepath.Join(obj, "vmlinux.symvers"), filepath.Join(obj, "Module.symvers")); err != nil {
		return err
	}
	flags, err := k.probeModule()
	if err != nil {
		return err
	}
	for _, c := range []struct {
		what       string
		want, have []string
	}{
		{"module C flags (cflags)", o.ExpectCflags, flags.cflags},
		{"module assembler flags (aflags)", o.ExpectAflags, flags.aflags},
		{"objtool arguments for modules (objtool_args)", o.ExpectObjtoolArgs, flags.objtool},
	} {
		if !slices.Equal(c.want, c.have) {
			return fmt.Errorf("kbuild's %s differ from the ones given to the rule; record these instead:\n%s", c.what, starlarkList(c.have))
		}
	}
	if err := copyHeaders(src, obj, sa, o.Headers); err != nil {
		return err
	}
	for rel, dst := range o.Outputs {
		from := filepath.Join(obj, rel)
		if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
			from = filepath.Join(src, rel) // a source file, e.g. scripts/module-common.c
		}
		if err := copyFile(from, dst); err != nil {
			return fmt.Errorf("output %s: %w", rel, err)
		}
	}
	return nil
}

func starlarkList(flags []string) string {
	var b strings.Builder
	b.WriteString("[\n")
	for _, f := range flags {
		fmt.Fprintf(&b, "    %q,\n", f)
	}
	b.WriteString("]")
	return b.String()
}

// program is the path of a program the build runs: in Make's directory, or
// the bare name (found on PATH).
func (o Options) program(name string) string {
	if o.Make == "" {
		return name
	}
	return filepath.Join(filepath.Dir(abs(o.Make)), name)
}

// env is the environment of every program the build runs: PATH is Make's
// directory alone, and the build's identity is fixed.
func (o Options) env() []string {
	env := os.Environ()
	if o.Make != "" {
		env = []string{"PATH=" + filepath.Dir(abs(o.Make))}
	}
	return append(env, reproducibleEnv...)
}

// extract unpacks the tarball with tar (xz through tar's -J detection).
func extract(tar string, env []string, tarball, prefix, dst string) error {
	args := []string{"-xf", tarball, "-C", dst, "--no-same-owner", "--no-same-permissions"}
	if prefix != "" {
		args = append(args, fmt.Sprintf("--strip-components=%d", len(strings.Split(strings.Trim(prefix, "/"), "/"))), strings.Trim(prefix, "/"))
	}
	cmd := exec.Command(tar, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: unpacking failed: %v\n%s", tarball, err, out)
	}
	return nil
}

// removeMembers rewrites the thin archive without the given object paths
// (relative to obj); each must be a member.
func removeMembers(archive, obj string, drop []string) error {
	leaves, err := ar.Leaves(archive)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, d := range drop {
		want[filepath.Clean(d)] = true
	}
	var keep []ar.Leaf
	for _, l := range leaves {
		rel, err := filepath.Rel(obj, l.Path)
		if err == nil && l.Member == "" && want[rel] {
			delete(want, rel)
			continue
		}
		keep = append(keep, l)
	}
	if len(want) > 0 {
		var missing []string
		for m := range want {
			missing = append(missing, m)
		}
		slices.Sort(missing)
		return fmt.Errorf("vmlinux.a: %s not among vmlinux's objects: is its CONFIG_ symbol =y in the .config?", strings.Join(missing, ", "))
	}
	var buf bytes.Buffer
	if err := ar.WriteThin(&buf, archive, keep); err != nil {
		return err
	}
	return os.WriteFile(archive, buf.Bytes(), 0o644)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, info.Mode().Perm()|0o200)
}

// copyHeaders copies the trees module objects include from into dst.
func copyHeaders(src, obj, sa, dst string) error {
	for _, d := range []struct{ from, to string }{
		{filepath.Join(src, "include"), filepath.Join(dst, "src/include")},
		{filepath.Join(src, "arch", sa, "include"), filepath.Join(dst, "src/arch", sa, "include")},
		{filepath.Join(obj, "include"), filepath.Join(dst, "obj/include")},
		{filepath.Join(obj, "arch", sa, "include"), filepath.Join(dst, "obj/arch", sa, "include")},
	} {
		err := filepath.WalkDir(d.from, func(path string, e os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(d.from, path)
			// include/config/ holds kbuild's fixdep stamps, not headers.
			if e.IsDir() && strings.HasPrefix(path, filepath.Join(obj, "include", "config")) {
				return filepath.SkipDir
			}
			if e.IsDir() || !e.Type().IsRegular() {
				return nil
			}
			return copyFile(path, filepath.Join(d.to, rel))
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// writeSymversions writes, for each object in order, the #SYMVER lines of
// its kbuild .cmd file (dir/.name.o.cmd), each as "object #SYMVER name crc".
func writeSymversions(obj string, objects []string, out string) error {
	var b strings.Builder
	for _, o := range objects {
		cmd := filepath.Join(obj, filepath.Dir(o), "."+filepath.Base(o)+".cmd")
		data, err := os.ReadFile(cmd)
		if err != nil {
			return fmt.Errorf("reading kbuild's symbol versions of %s: %w", o, err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "#SYMVER ") {
				fmt.Fprintf(&b, "%s %s\n", o, line)
			}
		}
	}
	return atomicfile.WriteBytes(out, []byte(b.String()))
}
