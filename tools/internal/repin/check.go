package repin

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// DebpkgPath is the Go copy of the kernel pins, for tests that run without
// Bazel.
const DebpkgPath = "tools/internal/debpkg/debpkg.go"

var (
	debpkgPinRe = regexp.MustCompile(`Pin\{"([^"]+)", "([^"]+)",\s*"([^"]+)",\s*"([^"]+)"\}`)
	abiWordRe   = regexp.MustCompile(`\b[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+\b`)
	repoNameRe  = regexp.MustCompile(`\bdebian_linux_([a-z]+)_([0-9]+(?:_[0-9]+)+)`)
	sourceRe    = regexp.MustCompile(`\blinux-source-([0-9]+\.[0-9]+)\b`)
)

// Check reports where the files derived from MODULE.bazel's pins disagree
// with them: the Go copy of the pins, the toolchain's pin list, and every
// mention of the kernel's ABI, series and repository names in the files
// repin rewrites. Each problem names the file and the way to fix it.
func Check(files map[string][]byte) []string {
	module, ok := files[ModulePath]
	if !ok {
		return []string{"no " + ModulePath}
	}
	tags, err := ParseModule(ModulePath, string(module))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	pins := map[string]string{}
	var kernelPins []Deb
	for _, t := range tags {
		for _, p := range t.Pins {
			if old, ok := pins[p.Deb.Path]; ok && old != p.SHA256 {
				problems = append(problems, fmt.Sprintf("%s:%d: %s is pinned with sha256 %s here and %s elsewhere", ModulePath, p.Line, p.Deb.Path, p.SHA256, old))
			}
			pins[p.Deb.Path] = p.SHA256
			if IsKernel(p.Deb) {
				kernelPins = append(kernelPins, p.Deb)
			}
		}
	}
	problems = append(problems, checkDebpkg(files, pins)...)
	problems = append(problems, checkKernel(files, kernelPins)...)
	return problems
}

func checkDebpkg(files map[string][]byte, pins map[string]string) []string {
	data, ok := files[DebpkgPath]
	if !ok {
		return nil
	}
	var problems []string
	for _, m := range debpkgPinRe.FindAllStringSubmatch(string(data), -1) {
		name, version, path, sha := m[1], m[2], m[3], m[4]
		want, ok := pins[path]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: pins %s, which MODULE.bazel does not pin; copy MODULE.bazel's pin there (or run repin)", DebpkgPath, path))
		case want != sha:
			problems = append(problems, fmt.Sprintf("%s: %s has sha256 %s, MODULE.bazel %s; copy MODULE.bazel's", DebpkgPath, path, sha, want))
		}
		if d, err := ParseDeb(path); err != nil || d.Package != name || d.Version != version {
			problems = append(problems, fmt.Sprintf("%s: package %s version %s do not name the file %s", DebpkgPath, name, version, path))
		}
	}
	return problems
}

// checkKernel checks that the rewritable files name only the pinned
// kernel's ABI, series and repositories.
func checkKernel(files map[string][]byte, pins []Deb) []string {
	if len(pins) == 0 {
		return nil
	}
	abis, series := map[string]bool{}, map[string]bool{}
	for _, d := range pins {
		if a := abiRe.FindString(d.Package); a != "" {
			abis[a] = true
		}
		if s, ok := strings.CutPrefix(d.Package, "linux-source-"); ok {
			series[s] = true
		}
	}
	if len(abis) != 1 || len(series) > 1 {
		return []string{fmt.Sprintf("%s: the kernel pins name the ABIs %v and the series %v: pin one kernel build", ModulePath, SortedKeys(abis), SortedKeys(series))}
	}
	abi := SortedKeys(abis)[0]
	us := func(v string) string { return strings.ReplaceAll(v, ".", "_") }
	wantRepo := map[string]bool{us(upstreamOf(abi)): true}
	for s := range series {
		wantRepo[us(s)] = true
	}
	var problems []string
	for _, path := range SortedKeys(files) {
		if !Rewritable(path) || !isText(files[path]) {
			continue
		}
		text := string(files[path])
		bad := map[string]bool{}
		for _, a := range abiWordRe.FindAllString(text, -1) {
			if a != abi {
				bad[a] = true
			}
		}
		for _, m := range repoNameRe.FindAllStringSubmatch(text, -1) {
			if !wantRepo[m[2]] {
				bad[m[0]] = true
			}
		}
		for _, m := range sourceRe.FindAllStringSubmatch(text, -1) {
			if len(series) > 0 && !series[m[1]] {
				bad[m[0]] = true
			}
		}
		if len(bad) > 0 {
			names := SortedKeys(bad)
			sort.Strings(names)
			problems = append(problems, fmt.Sprintf("%s names %s, but MODULE.bazel pins kernel %s (series %s); rename them (repin does this when it moves the kernel)", path, strings.Join(names, ", "), abi, strings.Join(SortedKeys(series), "")))
		}
	}
	return problems
}
