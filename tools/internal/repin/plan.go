package repin

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// A Move is one pinned package whose index entry differs from its pin.
type Move struct {
	Old       Deb
	OldSHA256 string
	New       Entry
	Tags      []string // the names of the tags that pin it
}

// KernelMove is the kernel family's move from one build of the linux source
// package to another.
type KernelMove struct {
	OldVersion, NewVersion string // the linux source version: 7.2.13-1
	OldABI, NewABI         string // the kernel ABI in package names: 7.2.13+deb14
	OldSeries, NewSeries   string // linux-source-<series>: 7.2 ("" without a linux-source pin)
}

// Plan is what repin would change.
type Plan struct {
	Snapshot      string // the snapshot of the index the plan was made from
	Moves         []Move // by old pool path
	Kernel        *KernelMove
	KernelChecked bool     // false when the kernel family was left alone
	Current       []Deb    // pins the index lists unchanged
	Stamp         []string // tags whose pins moved and whose snapshot repin sets
	Unstamped     []string // tags whose pins moved that have no snapshot to set
}

// Moved reports whether the plan changes anything.
func (p *Plan) Moved() bool { return len(p.Moves) > 0 }

// IsKernel reports whether a pin belongs to the kernel family: the packages
// built from the linux source package and its signed wrappers, whose names
// carry the kernel ABI.
func IsKernel(d Deb) bool {
	return d.Source == "linux" || strings.HasPrefix(d.Source, "linux-signed-")
}

// MissingError lists pins the index no longer has.
type MissingError struct{ Problems []string }

func (e *MissingError) Error() string {
	return "the mirror's sid index does not have what MODULE.bazel pins:\n  " + strings.Join(e.Problems, "\n  ")
}

// MakePlan resolves every pin of tags against the index. With kernel false
// the kernel family is left as it is.
func MakePlan(tags []Tag, idx *Index, snapshot string, kernel bool) (*Plan, error) {
	p := &Plan{Snapshot: snapshot, KernelChecked: kernel}
	type pinned struct {
		deb  Deb
		sha  string
		tags []string
	}
	byPath := map[string]*pinned{}
	var paths []string
	for _, t := range tags {
		for _, pin := range t.Pins {
			q := byPath[pin.Deb.Path]
			if q == nil {
				q = &pinned{deb: pin.Deb, sha: pin.SHA256}
				byPath[pin.Deb.Path] = q
				paths = append(paths, pin.Deb.Path)
			} else if q.sha != pin.SHA256 {
				return nil, fmt.Errorf("MODULE.bazel pins %s with two sha256s, %s and %s (tag %s); make them agree", pin.Deb.Path, q.sha, pin.SHA256, t.Name)
			}
			if len(q.tags) == 0 || q.tags[len(q.tags)-1] != t.Name {
				q.tags = append(q.tags, t.Name)
			}
		}
	}
	sort.Strings(paths)

	var missing []string
	var kernelPins []Deb
	newer := map[string]Entry{}
	for _, path := range paths {
		q := byPath[path]
		if IsKernel(q.deb) {
			kernelPins = append(kernelPins, q.deb)
			continue
		}
		e, ok := idx.Newest(q.deb.Package, q.deb.Arch)
		if !ok {
			missing = append(missing, fmt.Sprintf("%s %s (%s), pinned by %s: no longer in the index: it was removed or renamed. Find what replaces it (apt-cache search, or the package's changelog), pin that in MODULE.bazel by hand, and run repin again.",
				q.deb.Package, q.deb.Version, q.deb.Arch, strings.Join(q.tags, ", ")))
			continue
		}
		newer[path] = e
	}
	if kernel && len(kernelPins) > 0 {
		km, entries, problems := planKernel(kernelPins, idx)
		missing = append(missing, problems...)
		p.Kernel = km
		for path, e := range entries {
			newer[path] = e
		}
	}
	if len(missing) > 0 {
		return nil, &MissingError{missing}
	}

	stamp := map[string]bool{}
	for _, path := range paths {
		q := byPath[path]
		e, ok := newer[path]
		if !ok {
			continue // a kernel pin left alone
		}
		if e.Filename == path {
			if e.SHA256 != q.sha {
				return nil, fmt.Errorf("the index lists %s with sha256 %s but MODULE.bazel pins %s: a pool file never changes, so one of them is wrong; check the mirror and the pin", path, e.SHA256, q.sha)
			}
			p.Current = append(p.Current, q.deb)
			continue
		}
		p.Moves = append(p.Moves, Move{Old: q.deb, OldSHA256: q.sha, New: e, Tags: q.tags})
		for _, t := range q.tags {
			stamp[t] = true
		}
	}
	if p.Kernel != nil && p.Kernel.OldVersion == p.Kernel.NewVersion && p.Kernel.OldABI == p.Kernel.NewABI {
		p.Kernel = nil
	}
	for _, t := range tags {
		if !stamp[t.Name] {
			continue
		}
		if t.SnapshotLine != 0 {
			if t.Snapshot != snapshot {
				p.Stamp = append(p.Stamp, t.Name)
			}
		} else {
			p.Unstamped = append(p.Unstamped, t.Name)
		}
	}
	return p, nil
}

var abiRe = regexp.MustCompile(`[0-9]+\.[0-9]+(?:\.[0-9]+)?\+deb[0-9]+`)

// planKernel finds the newest build of the linux source package in the
// index and each kernel pin's package in it.
func planKernel(pins []Deb, idx *Index) (*KernelMove, map[string]Entry, []string) {
	km := &KernelMove{}
	var problems []string
	for _, d := range pins {
		if d.Source == "linux" {
			if km.OldVersion != "" && km.OldVersion != d.Version {
				return nil, nil, []string{fmt.Sprintf("the kernel pins name two versions of the linux source package, %s and %s: pin one build", km.OldVersion, d.Version)}
			}
			km.OldVersion = d.Version
		}
		if abi := abiRe.FindString(d.Package); abi != "" {
			if km.OldABI != "" && km.OldABI != abi {
				return nil, nil, []string{fmt.Sprintf("the kernel pins name two kernel ABIs, %s and %s: pin one build", km.OldABI, abi)}
			}
			km.OldABI = abi
		}
		if s, ok := strings.CutPrefix(d.Package, "linux-source-"); ok {
			km.OldSeries = s
		}
	}
	if km.OldVersion == "" || km.OldABI == "" {
		return nil, nil, []string{"the kernel pins have no package of the linux source package whose name carries the kernel ABI (linux-kbuild-<abi>, linux-headers-<abi>-common): cannot tell which kernel they pin"}
	}
	// The newest build: the newest linux-kbuild-<abi> of source linux.
	var newest Entry
	idx.All(func(e Entry) {
		if e.Source != "linux" || !strings.HasPrefix(e.Package, "linux-kbuild-") {
			return
		}
		if abiRe.FindString(e.Package) != strings.TrimPrefix(e.Package, "linux-kbuild-") {
			return
		}
		if newest.Package == "" || CompareVersions(e.Version, newest.Version) > 0 {
			newest = e
		}
	})
	if newest.Package == "" {
		return nil, nil, []string{"the index has no linux-kbuild-<abi> package of the linux source package: cannot find the current kernel; check the mirror, or run with -kernel=false"}
	}
	km.NewVersion = stripEpoch(newest.Version)
	km.NewABI = strings.TrimPrefix(newest.Package, "linux-kbuild-")
	km.NewSeries = km.OldSeries
	if km.OldSeries != "" {
		upstream := strings.SplitN(km.NewABI, "+", 2)[0]
		parts := strings.SplitN(upstream, ".", 3)
		km.NewSeries = parts[0] + "." + parts[1]
	}
	entries := map[string]Entry{}
	for _, d := range pins {
		name := strings.ReplaceAll(d.Package, km.OldABI, km.NewABI)
		if km.OldSeries != "" && name == "linux-source-"+km.OldSeries {
			name = "linux-source-" + km.NewSeries
		}
		e, ok := idx.Newest(name, d.Arch)
		switch {
		case !ok && name == d.Package:
			problems = append(problems, fmt.Sprintf("%s %s (%s): no longer in the index: it was removed or renamed. Find what replaces it, pin that in MODULE.bazel by hand, and run repin again (or run with -kernel=false).", d.Package, d.Version, d.Arch))
		case !ok:
			problems = append(problems, fmt.Sprintf("%s %s (%s) would move to %s, which the index does not have (yet): linux %s is there, but its other packages may still be building; run repin again later, or with -kernel=false.", d.Package, d.Version, d.Arch, name, km.NewVersion))
		case d.Source == "linux" && stripEpoch(e.Version) != km.NewVersion:
			problems = append(problems, fmt.Sprintf("%s (%s) is at %s in the index, but linux is at %s: the index is between two kernel uploads; run repin again later, or with -kernel=false.", name, d.Arch, e.Version, km.NewVersion))
		default:
			entries[d.Path] = e
		}
	}
	return km, entries, problems
}

func stripEpoch(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		return v[i+1:]
	}
	return v
}
