package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// modulePath is the Go module our helpers live in.
const modulePath = "github.com/rules-fips140/rules_fips140"

// tools are the absolute paths (or argv prefixes) of every program run.
type tools struct {
	ours                     helpers
	openssl, ar, ld, objcopy string
	as                       string   // "" unless the versioned modpost case runs
	modpost                  []string // argv before modpost's own arguments
	versions                 [][2]string
}

// resolveTools builds the helpers that were not given and finds the native
// tools, so that every later command runs by absolute path from any dir.
func resolveTools(o options, work string, stderr io.Writer) (tools, error) {
	var t tools
	var err error
	if t.ours, err = buildHelpers(o, filepath.Join(work, "bin"), stderr); err != nil {
		return t, err
	}
	for _, x := range []struct {
		dst  *string
		name string
	}{{&t.openssl, o.openssl}, {&t.ar, o.ar}, {&t.ld, o.ld}, {&t.objcopy, o.objcopy}} {
		if *x.dst, err = lookPath(x.name); err != nil {
			return t, err
		}
	}
	if o.modpost != "" {
		bin, err := filepath.Abs(o.modpost)
		if err != nil {
			return t, err
		}
		if _, err := os.Stat(bin); err != nil {
			return t, fmt.Errorf("-modpost: %w", err)
		}
		t.modpost = []string{bin}
		if root := o.modpostSysroot; root != "" {
			t.modpost = []string{
				filepath.Join(root, "lib64/ld-linux-x86-64.so.2"),
				"--library-path", filepath.Join(root, "lib/x86_64-linux-gnu") + ":" + filepath.Join(root, "usr/lib/x86_64-linux-gnu"),
				bin,
			}
		}
	}
	t.versions = [][2]string{
		{"go", goVersion(o.goCmd)},
		{"openssl", firstLine(t.openssl, "version")},
		{"ar", firstLine(t.ar, "--version")},
		{"ld", firstLine(t.ld, "--version")},
		{"objcopy", firstLine(t.objcopy, "--version")},
	}
	if t.modpost != nil {
		t.versions = append(t.versions, [2]string{"modpost", strings.Join(t.modpost, " ")})
	}
	if o.wants("modpost") && o.inputs.versioned.modules > 0 {
		if t.as, err = lookPath(o.as); err != nil {
			return t, err
		}
		t.versions = append(t.versions, [2]string{"as", firstLine(t.as, "--version")})
	}
	return t, nil
}

// buildHelpers runs one `go build` for the helpers not given by flag.
func buildHelpers(o options, dir string, stderr io.Writer) (helpers, error) {
	h := o.ours
	var pkgs []string
	for _, x := range []struct {
		path *string
		name string
	}{{&h.hmac, "hmac"}, {&h.archiver, "archiver"}, {&h.modpost, "modpost"}, {&h.embed, "embed"}} {
		if *x.path == "" {
			pkgs = append(pkgs, modulePath+"/tools/"+x.name)
			*x.path = filepath.Join(dir, x.name)
			continue
		}
		abs, err := filepath.Abs(*x.path)
		if err != nil {
			return h, err
		}
		*x.path = abs
	}
	if len(pkgs) == 0 {
		return h, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return h, err
	}
	fmt.Fprintf(stderr, "helpers: building %d helpers with %s\n", len(pkgs), o.goCmd)
	cmd := exec.Command(o.goCmd, append([]string{"build", "-trimpath", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return h, fmt.Errorf("go build (run from the repository root, or give -our-* paths): %w", err)
	}
	return h, nil
}

func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

func firstLine(prog string, args ...string) string {
	out, err := exec.Command(prog, args...).Output()
	if err != nil {
		return fmt.Sprintf("%s (version unknown: %v)", prog, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return prog + ": " + line
}

func goVersion(goCmd string) string {
	out, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version() + " (the bench program's)"
	}
	return string(bytes.TrimSpace(out))
}

func printTools(w io.Writer, t tools) {
	for _, v := range t.versions {
		fmt.Fprintf(w, "# %s: %s\n", v[0], v[1])
	}
}
