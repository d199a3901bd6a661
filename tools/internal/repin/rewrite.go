package repin

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
)

// ModulePath is the file repin rewrites structurally: the pins themselves.
const (
	ModulePath = "MODULE.bazel"
	ownPackage = "tools/internal/repin/"
)

// Rewritable reports whether repin edits the mentions of moved pins in a
// file of the tree (a slash-separated path relative to its root). The docs
// and testdata record what was verified on a version, so they are only
// listed for review.
// repin's own package names kernel versions in its tests, not pins.
func Rewritable(path string) bool {
	if strings.HasPrefix(path, "docs/") || strings.HasPrefix(path, ownPackage) {
		return false
	}
	for _, dir := range strings.Split(path, "/") {
		if dir == "testdata" {
			return false
		}
	}
	return true
}

// A replacement is one string of the old pins and what it becomes.
type replacement struct {
	old, new string
	bounded  bool // only where no digit (or ".digit") continues it on either side
	re       *regexp.Regexp
	repl     string
}

// replacements lists what a plan changes in the text of a file.
func replacements(p *Plan) []replacement {
	var rs []replacement
	for _, m := range p.Moves {
		rs = append(rs, replacement{old: m.Old.Path, new: m.New.Filename}, replacement{old: m.OldSHA256, new: m.New.SHA256})
	}
	if k := p.Kernel; k != nil {
		if k.OldABI != k.NewABI {
			rs = append(rs, replacement{old: k.OldABI, new: k.NewABI, bounded: true})
			rs = append(rs, repoNameReplacement(upstreamOf(k.OldABI), upstreamOf(k.NewABI)))
		}
		if k.OldVersion != k.NewVersion {
			rs = append(rs, replacement{old: k.OldVersion, new: k.NewVersion, bounded: true})
		}
		if k.OldSeries != k.NewSeries {
			rs = append(rs, replacement{old: "linux-source-" + k.OldSeries, new: "linux-source-" + k.NewSeries, bounded: true})
			rs = append(rs, repoNameReplacement(k.OldSeries, k.NewSeries))
		}
	}
	return rs
}

// repoNameReplacement renames the repositories that carry a kernel version
// in their name: debian_linux_headers_7_2_13_amd64, debian_linux_source_7_2.
func repoNameReplacement(old, new string) replacement {
	u := func(v string) string { return strings.ReplaceAll(v, ".", "_") }
	return replacement{
		re:   regexp.MustCompile(`\b(debian_linux_[a-z]+_)` + regexp.QuoteMeta(u(old)) + `((?:_[a-z][a-z0-9_]*)?)\b`),
		repl: "${1}" + u(new) + "${2}",
	}
}

// upstreamOf is the upstream version of a kernel ABI: 7.2.13 of 7.2.13+deb14.
func upstreamOf(abi string) string { return strings.SplitN(abi, "+", 2)[0] }

func (r replacement) apply(s string) string {
	if r.re != nil {
		return r.re.ReplaceAllString(s, r.repl)
	}
	if !r.bounded {
		return strings.ReplaceAll(s, r.old, r.new)
	}
	var b strings.Builder
	for {
		i := indexBounded(s, r.old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(r.new)
		s = s[i+len(r.old):]
	}
}

// indexBounded finds old in s where it is not part of a longer version: no
// digit or "." right before it, no digit or ".<digit>" right after it.
func indexBounded(s, old string) int {
	off := 0
	for {
		i := strings.Index(s[off:], old)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(old)
		before := i > 0 && (isDigit(s[i-1]) || s[i-1] == '.')
		after := end < len(s) && (isDigit(s[end]) || s[end] == '.' && end+1 < len(s) && isDigit(s[end+1]))
		if !before && !after {
			return i
		}
		off = i + 1
	}
}

// Rewrite applies a plan to the files of a tree (slash-separated path to
// contents) and returns the files it changes, with their new contents:
// MODULE.bazel's pins and snapshots, every mention of a moved pin or of the
// old kernel in the rewritable files, and the rows of the pin list.
func Rewrite(files map[string][]byte, tags []Tag, p *Plan) (map[string][]byte, error) {
	changed := map[string][]byte{}
	rs := replacements(p)
	for path, data := range files {
		text := string(data)
		if path == ModulePath {
			text = stamp(text, tags, p)
		}
		if Rewritable(path) && isText(data) {
			for _, r := range rs {
				text = r.apply(text)
			}
		}
		if text != string(data) {
			changed[path] = []byte(text)
		}
	}
	return changed, nil
}

// stamp sets the snapshot of the tags the plan names.
func stamp(text string, tags []Tag, p *Plan) string {
	set := map[string]bool{}
	for _, n := range p.Stamp {
		set[n] = true
	}
	lines := strings.Split(text, "\n")
	for _, t := range tags {
		if set[t.Name] && t.SnapshotLine > 0 && t.SnapshotLine <= len(lines) {
			l := lines[t.SnapshotLine-1]
			lines[t.SnapshotLine-1] = strings.Replace(l, `"`+t.Snapshot+`"`, `"`+p.Snapshot+`"`, 1)
		}
	}
	return strings.Join(lines, "\n")
}

func isText(data []byte) bool { return bytes.IndexByte(data, 0) < 0 }

// Leftovers counts, in each file of the tree, the mentions of what the plan
// moved away from that remain after rewrites: old pool paths and sha256s,
// and the old kernel's ABI, version and upstream version. They are in docs
// and records a person should review.
func Leftovers(files map[string][]byte, p *Plan) map[string]int {
	var olds []replacement
	for _, m := range p.Moves {
		olds = append(olds, replacement{old: m.Old.Path}, replacement{old: m.OldSHA256})
	}
	if k := p.Kernel; k != nil {
		if k.OldABI != k.NewABI {
			olds = append(olds, replacement{old: upstreamOf(k.OldABI), bounded: true})
		}
		if k.OldVersion != k.NewVersion {
			olds = append(olds, replacement{old: k.OldVersion, bounded: true})
		}
	}
	left := map[string]int{}
	for path, data := range files {
		if !isText(data) {
			continue
		}
		s := string(data)
		n := 0
		for _, o := range olds {
			n += countBounded(s, o)
		}
		if n > 0 {
			left[path] = n
		}
	}
	return left
}

func countBounded(s string, r replacement) int {
	if !r.bounded {
		return strings.Count(s, r.old)
	}
	n := 0
	for {
		i := indexBounded(s, r.old)
		if i < 0 {
			return n
		}
		n++
		s = s[i+len(r.old):]
	}
}

// SortedKeys returns a map's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
