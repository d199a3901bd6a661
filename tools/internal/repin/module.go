package repin

import (
	"fmt"
	"regexp"
	"strings"
)

// A Tag is one call of a module extension's tag class in MODULE.bazel that
// pins Debian packages: debian.packages, debian.kernel or
// kernel_tools.debian_packages.
type Tag struct {
	Class        string // "debian.packages", "debian.kernel", "kernel_tools.debian_packages"
	Name         string // its name attribute
	Line         int    // the line of the call, 1-based
	Snapshot     string // its snapshot attribute, or ""
	SnapshotLine int    // the line of that attribute, 0 without one
	Pins         []ModulePin
}

// ModulePin is one `"pool/...deb": "<sha256>",` entry of a tag's packages.
type ModulePin struct {
	Line   int
	Deb    Deb
	SHA256 string
}

// Deb is what a pool path says about its package.
type Deb struct {
	Path    string // pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb
	Source  string // the pool directory: linux
	Package string // linux-source-7.2
	Version string // without the epoch, which file names leave out: 7.2.13-1
	Arch    string // all
}

// ParseDeb splits a pool path pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb.
func ParseDeb(path string) (Deb, error) {
	parts := strings.Split(path, "/")
	if len(parts) != 5 || parts[0] != "pool" || !strings.HasSuffix(parts[4], ".deb") {
		return Deb{}, fmt.Errorf("%q is not a pool path pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb", path)
	}
	f := strings.Split(strings.TrimSuffix(parts[4], ".deb"), "_")
	if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
		return Deb{}, fmt.Errorf("%q: the file name is not <package>_<version>_<arch>.deb", path)
	}
	return Deb{Path: path, Source: parts[3], Package: f[0], Version: f[1], Arch: f[2]}, nil
}

// The tag classes that pin packages, by extension name.
var pinClasses = map[string][]string{
	"debian":       {"packages", "kernel"},
	"kernel_tools": {"debian_packages"},
}

var (
	useExtensionRe = regexp.MustCompile(`^(\w+) = use_extension\(\s*"[^"]*",\s*"(\w+)"`)
	tagStartRe     = regexp.MustCompile(`^(\w+)\.(\w+)\($`)
	nameRe         = regexp.MustCompile(`^\s+name = "([^"]*)",$`)
	snapshotRe     = regexp.MustCompile(`^\s+snapshot = "([^"]*)",$`)
	snapshotValRe  = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	pinRe          = regexp.MustCompile(`^\s+"(pool/[^"]*)": "([^"]*)",?$`)
	poolRe         = regexp.MustCompile(`"pool/`)
)

// ParseModule reads the pins of a MODULE.bazel as buildifier formats it:
// each tag call starts with `<proxy>.<class>(` at the start of a line and
// ends with `)` alone on a line, and each pin is a line of its own. A pin
// anywhere else, a malformed pin or snapshot, or a tag without a name is
// an error naming the line.
func ParseModule(name, text string) ([]Tag, error) {
	proxies := map[string]string{} // proxy variable -> extension name
	var (
		tags []Tag
		cur  *Tag
	)
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if m := useExtensionRe.FindStringSubmatch(line); m != nil {
			proxies[m[1]] = m[2]
			continue
		}
		if cur == nil {
			if m := tagStartRe.FindStringSubmatch(line); m != nil && isPinClass(proxies[m[1]], m[2]) {
				cur = &Tag{Class: proxies[m[1]] + "." + m[2], Line: n}
				continue
			}
			if poolRe.MatchString(line) {
				return nil, fmt.Errorf("%s:%d: a pool path outside a debian.packages, debian.kernel or kernel_tools.debian_packages tag", name, n)
			}
			continue
		}
		switch {
		case line == ")":
			if cur.Name == "" && cur.Class == "kernel_tools.debian_packages" {
				cur.Name = "kernel_tools" // the tag's default
			}
			if cur.Name == "" {
				return nil, fmt.Errorf("%s:%d: %s tag without a name", name, cur.Line, cur.Class)
			}
			tags = append(tags, *cur)
			cur = nil
		case tagStartRe.MatchString(line):
			return nil, fmt.Errorf("%s:%d: a tag starts inside the %s tag of line %d (is a closing \")\" missing?)", name, n, cur.Class, cur.Line)
		case nameRe.MatchString(line) && cur.Name == "":
			cur.Name = nameRe.FindStringSubmatch(line)[1]
		case snapshotRe.MatchString(line):
			v := snapshotRe.FindStringSubmatch(line)[1]
			if !snapshotValRe.MatchString(v) {
				return nil, fmt.Errorf("%s:%d: snapshot %q is not a snapshot archive timestamp YYYYMMDDTHHMMSSZ", name, n, v)
			}
			if cur.SnapshotLine != 0 {
				return nil, fmt.Errorf("%s:%d: a second snapshot in one tag", name, n)
			}
			cur.Snapshot, cur.SnapshotLine = v, n
		case poolRe.MatchString(line):
			m := pinRe.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("%s:%d: a pool path not on a line of its own as `\"pool/...deb\": \"<sha256>\",`", name, n)
			}
			deb, err := ParseDeb(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			if !sha256Re.MatchString(m[2]) {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a sha256", name, n, m[1], m[2])
			}
			cur.Pins = append(cur.Pins, ModulePin{Line: n, Deb: deb, SHA256: m[2]})
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: the %s tag is not closed by a line \")\"", name, cur.Line, cur.Class)
	}
	return tags, nil
}

func isPinClass(ext, class string) bool {
	for _, c := range pinClasses[ext] {
		if c == class {
			return true
		}
	}
	return false
}
