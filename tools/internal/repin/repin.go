// Package repin moves the Debian packages MODULE.bazel pins to the versions
// the mirror's sid index has now: it resolves each package family, rewrites
// the pins and every file that names them, and lists the regenerations that
// follow (docs/design.md, "Moving the pins").
package repin

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
)

// Options are repin's inputs.
type Options struct {
	Workspace string   // the checkout's root
	Source    Source   // the Debian mirror
	Kernel    bool     // move the kernel family too
	DryRun    bool     // print what would change, write nothing, run nothing
	RunSteps  bool     // run the regeneration steps (else print them)
	Bazel     []string // the command that runs Bazel, e.g. <workspace>/bazelw
	Stdout    io.Writer
}

// A Step regenerates files derived from the pins.
type Step struct {
	Why  string
	Args []string // a command run in the workspace, Bazel's as Options.Bazel
	Copy [][2]string
}

// Run moves the pins and reports on Stdout what changed.
func Run(o Options) error {
	files, err := ReadTree(o.Workspace)
	if err != nil {
		return err
	}
	module, ok := files[ModulePath]
	if !ok {
		return fmt.Errorf("%s: no %s: is -workspace the checkout's root?", o.Workspace, ModulePath)
	}
	tags, err := ParseModule(ModulePath, string(module))
	if err != nil {
		return err
	}
	rel, idx, err := ReadIndex(o.Source, archs(tags))
	if err != nil {
		return err
	}
	plan, err := MakePlan(tags, idx, Snapshot(rel.Date), o.Kernel)
	if err != nil {
		return err
	}
	changed, err := Rewrite(files, tags, plan)
	if err != nil {
		return err
	}
	after := map[string][]byte{}
	for p, d := range files {
		after[p] = d
	}
	for p, d := range changed {
		after[p] = d
	}
	steps, manual := Steps(plan)
	Report(o.Stdout, rel, plan, changed, Leftovers(after, plan), steps, manual, o)
	if o.DryRun || !plan.Moved() {
		return nil
	}
	for _, p := range SortedKeys(changed) {
		if err := atomicfile.WriteBytes(filepath.Join(o.Workspace, filepath.FromSlash(p)), changed[p]); err != nil {
			return err
		}
	}
	if !o.RunSteps {
		return nil
	}
	for _, s := range steps {
		if err := runStep(o, s); err != nil {
			return fmt.Errorf("%s: %w (the pins are rewritten; run this step and the ones after it by hand)", strings.Join(s.Args, " "), err)
		}
	}
	return nil
}

func runStep(o Options, s Step) error {
	args := append(append([]string{}, o.Bazel...), s.Args[1:]...)
	fmt.Fprintf(o.Stdout, "$ %s\n", strings.Join(args, " "))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = o.Workspace
	cmd.Stdout, cmd.Stderr = o.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return err
	}
	for _, c := range s.Copy {
		data, err := os.ReadFile(filepath.Join(o.Workspace, c[0]))
		if err != nil {
			return err
		}
		if err := atomicfile.WriteBytes(filepath.Join(o.Workspace, c[1]), data); err != nil {
			return err
		}
		fmt.Fprintf(o.Stdout, "$ cp %s %s\n", c[0], c[1])
	}
	return nil
}

// archs lists the architectures whose indexes the pins need.
func archs(tags []Tag) []string {
	set := map[string]bool{}
	for _, t := range tags {
		for _, p := range t.Pins {
			set[p.Deb.Arch] = true
		}
	}
	return SortedKeys(set)
}

// Steps lists what regenerates the files derived from the pins after a
// plan is applied: the steps repin runs, and what only a person can do.
func Steps(p *Plan) (steps []Step, manual []string) {
	if p.Kernel == nil {
		return nil, nil
	}
	steps = []Step{
		{Why: "the crypto BUILD files generated from linux-source's Makefiles (tests/realkernel)", Args: []string{"bazel", "run", "//:gazelle"}},
		{
			Why:  "the API reference, whose docs name the kernel",
			Args: []string{"bazel", "build", "//docs:api_gen", "//docs:extensions_gen"},
			Copy: [][2]string{{"bazel-bin/docs/api_gen.md", "docs/api.md"}, {"bazel-bin/docs/extensions_gen.md", "docs/extensions.md"}},
		},
	}
	manual = []string{
		"examples/linux's kernel_build flags (cflags, aflags, objtool_args): ./bazelw build //examples/linux:kernel fails printing kbuild's own; paste them into examples/linux/BUILD.bazel",
		"examples/linux/configs/*.config and tests/realkernel/configs/*.config: refresh them for the new kernel (make olddefconfig on the new source)",
		"tools/internal/btf/testdata/kbuild_cflags.*.txt: record kbuild's module flags against the new headers (make M=... V=1), see tools/internal/btf/BUILD.bazel",
		"then run the kernel tests: ./bazelw test //tools/... //tests/realkernel/...",
	}
	return steps, manual
}

// Report prints what a plan changes.
func Report(w io.Writer, rel *Release, p *Plan, changed map[string][]byte, left map[string]int, steps []Step, manual []string, o Options) {
	fmt.Fprintf(w, "index: sid of %s, snapshot %s\n", rel.Date.Format("Mon, 02 Jan 2006 15:04:05 MST"), p.Snapshot)
	if !p.KernelChecked {
		fmt.Fprintln(w, "kernel family: left as it is (-kernel=false)")
	}
	if !p.Moved() {
		fmt.Fprintf(w, "every pin is current (%d packages): nothing changed\n", len(p.Current))
		return
	}
	if k := p.Kernel; k != nil {
		fmt.Fprintf(w, "kernel: %s (linux %s) -> %s (linux %s)\n", k.OldABI, k.OldVersion, k.NewABI, k.NewVersion)
	}
	fmt.Fprintf(w, "moved %d of %d pinned packages:\n", len(p.Moves), len(p.Moves)+len(p.Current))
	for _, m := range p.Moves {
		name := m.Old.Package
		if m.New.Package != name {
			name += " -> " + m.New.Package
		}
		fmt.Fprintf(w, "  %s (%s): %s -> %s  [%s]\n", name, m.Old.Arch, m.Old.Version, m.New.Version, strings.Join(m.Tags, ", "))
	}
	if len(p.Stamp) > 0 {
		fmt.Fprintf(w, "snapshot set to %s in: %s\n", p.Snapshot, strings.Join(p.Stamp, ", "))
	}
	if len(p.Unstamped) > 0 {
		fmt.Fprintf(w, "no snapshot attribute, left without one: %s\n", strings.Join(p.Unstamped, ", "))
	}
	verb := "rewritten"
	if o.DryRun {
		verb = "that would be rewritten (-dry_run: nothing written)"
	}
	fmt.Fprintf(w, "files %s:\n", verb)
	for _, f := range SortedKeys(changed) {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if len(left) > 0 {
		fmt.Fprintln(w, "still naming what moved away (docs and records of what was verified on it): review by hand:")
		for _, f := range SortedKeys(left) {
			fmt.Fprintf(w, "  %s (%d)\n", f, left[f])
		}
	}
	if len(steps) > 0 {
		switch {
		case o.DryRun:
			fmt.Fprintln(w, "steps that would run:")
		case o.RunSteps:
			fmt.Fprintln(w, "steps (running now):")
		default:
			fmt.Fprintln(w, "steps to run next, from the checkout (not run: -run_steps=false):")
		}
		for _, s := range steps {
			fmt.Fprintf(w, "  ./bazelw %s   # %s\n", strings.Join(s.Args[1:], " "), s.Why)
			for _, c := range s.Copy {
				fmt.Fprintf(w, "  cp %s %s\n", c[0], c[1])
			}
		}
	}
	if len(manual) > 0 {
		fmt.Fprintln(w, "then, by hand:")
		for _, m := range manual {
			fmt.Fprintf(w, "  - %s\n", m)
		}
	}
}

// ReadTree reads the checkout's files (slash-separated path to contents),
// leaving out hidden directories, Bazel's convenience symlinks and nested
// modules' output links.
func ReadTree(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "bazel-")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	return files, err
}
