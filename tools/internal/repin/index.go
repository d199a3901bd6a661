package repin

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Entry is one stanza of a Debian Packages index.
type Entry struct {
	Package      string
	Version      string
	Architecture string
	Source       string // the source package's name (the Package when the index names none)
	Filename     string // the pool path, e.g. pool/main/m/make-dfsg/make_4.4.1-3_amd64.deb
	SHA256       string
	Size         int64
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParsePackages reads a Packages index (deb822 stanzas). name labels errors.
// Every stanza must have Package, Version, Architecture, Filename and a
// well-formed SHA256.
func ParsePackages(name string, r io.Reader) ([]Entry, error) {
	var entries []Entry
	err := readStanzas(name, r, func(line int, fields map[string]string) error {
		e := Entry{
			Package:      fields["Package"],
			Version:      fields["Version"],
			Architecture: fields["Architecture"],
			Filename:     fields["Filename"],
			SHA256:       fields["SHA256"],
		}
		for _, k := range []string{"Package", "Version", "Architecture", "Filename"} {
			if fields[k] == "" {
				return fmt.Errorf("%s:%d: stanza of package %q has no %s field", name, line, e.Package, k)
			}
		}
		if !sha256Re.MatchString(e.SHA256) {
			return fmt.Errorf("%s:%d: package %s has no valid SHA256 field (%q)", name, line, e.Package, e.SHA256)
		}
		if s := fields["Size"]; s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%s:%d: package %s has a bad Size %q", name, line, e.Package, s)
			}
			e.Size = n
		}
		// "Source: linux (7.2.13-1)" names a source version that differs
		// from the binary's; only the name matters here.
		e.Source = e.Package
		if src := strings.Fields(fields["Source"]); len(src) > 0 {
			e.Source = src[0]
		}
		entries = append(entries, e)
		return nil
	})
	return entries, err
}

// readStanzas calls visit with each stanza's fields (a continuation line is
// appended to its field after a newline) and the line the stanza starts on.
func readStanzas(name string, r io.Reader, visit func(line int, fields map[string]string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var (
		fields map[string]string
		last   string
		start  int
		n      int
	)
	flush := func() error {
		if fields == nil {
			return nil
		}
		err := visit(start, fields)
		fields, last = nil, ""
		return err
	}
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				return fmt.Errorf("%s:%d: continuation line outside a field", name, n)
			}
			fields[last] += "\n" + strings.TrimSpace(line)
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return fmt.Errorf("%s:%d: not a \"Field: value\" line: %q", name, n, truncate(line))
		}
		if fields == nil {
			fields, start = map[string]string{}, n
		}
		if _, dup := fields[key]; dup {
			return fmt.Errorf("%s:%d: field %s twice in one stanza", name, n, key)
		}
		fields[key] = strings.TrimSpace(value)
		last = key
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return flush()
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// Index holds a suite's packages by name and architecture.
type Index struct {
	byKey map[string][]Entry // "name/arch", newest first
}

// NewIndex indexes entries. A name and architecture the index lists with
// several versions keeps all of them, newest first.
func NewIndex(entries []Entry) *Index {
	x := &Index{byKey: map[string][]Entry{}}
	for _, e := range entries {
		k := e.Package + "/" + e.Architecture
		x.byKey[k] = append(x.byKey[k], e)
	}
	for _, es := range x.byKey {
		sort.SliceStable(es, func(i, j int) bool { return CompareVersions(es[i].Version, es[j].Version) > 0 })
	}
	return x
}

// Newest returns the newest version of package name for arch.
func (x *Index) Newest(name, arch string) (Entry, bool) {
	es := x.byKey[name+"/"+arch]
	if len(es) == 0 {
		return Entry{}, false
	}
	return es[0], true
}

// Find returns the entry whose pool path is filename, if the index lists it.
func (x *Index) Find(name, arch, filename string) (Entry, bool) {
	for _, e := range x.byKey[name+"/"+arch] {
		if e.Filename == filename {
			return e, true
		}
	}
	return Entry{}, false
}

// All calls visit with every entry, ordered by name, architecture and
// newest version first.
func (x *Index) All(visit func(Entry)) {
	keys := make([]string, 0, len(x.byKey))
	for k := range x.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, e := range x.byKey[k] {
			visit(e)
		}
	}
}

// Release is what repin reads of a suite's InRelease file.
type Release struct {
	Date   time.Time
	SHA256 map[string]FileSum // by path under dists/<suite>/
}

// FileSum is one line of a Release file's SHA256 list.
type FileSum struct {
	SHA256 string
	Size   int64
}

// ParseRelease reads an InRelease (clearsigned) or Release file. The
// signature is not checked: each index is checked against the sums listed
// here, and each package against the index's SHA256 when Bazel fetches it.
func ParseRelease(name string, data []byte) (*Release, error) {
	body := data
	if bytes.HasPrefix(body, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		// The armor headers end at the first blank line.
		_, rest, ok := bytes.Cut(body, []byte("\n\n"))
		if !ok {
			return nil, fmt.Errorf("%s: signed message without a body", name)
		}
		body, _, ok = bytes.Cut(rest, []byte("\n-----BEGIN PGP SIGNATURE-----"))
		if !ok {
			return nil, fmt.Errorf("%s: signed message without a signature", name)
		}
	}
	var fields map[string]string
	err := readStanzas(name, bytes.NewReader(body), func(_ int, f map[string]string) error {
		if fields != nil {
			return fmt.Errorf("%s: more than one paragraph", name)
		}
		fields = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, fmt.Errorf("%s: empty", name)
	}
	date, ok := fields["Date"]
	if !ok {
		return nil, fmt.Errorf("%s: no Date field", name)
	}
	r := &Release{SHA256: map[string]FileSum{}}
	if r.Date, err = time.Parse(time.RFC1123, date); err != nil {
		if r.Date, err = time.Parse(time.RFC1123Z, date); err != nil {
			return nil, fmt.Errorf("%s: Date %q is not an RFC 1123 date", name, date)
		}
	}
	r.Date = r.Date.UTC()
	for _, line := range strings.Split(fields["SHA256"], "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || !sha256Re.MatchString(f[0]) {
			return nil, fmt.Errorf("%s: bad SHA256 line %q", name, truncate(line))
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("%s: bad size in SHA256 line %q", name, truncate(line))
		}
		r.SHA256[f[2]] = FileSum{f[0], size}
	}
	return r, nil
}

// Snapshot is the snapshot archive's timestamp to fetch a suite's packages
// from: the index's date rounded up to the next midnight UTC. dak keeps
// superseded files in the pool for about a day and a half, so a snapshot
// taken then still has every file the index lists.
func Snapshot(date time.Time) string {
	d := date.UTC()
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	if day.Before(d) {
		day = day.AddDate(0, 0, 1)
	}
	return day.Format("20060102T150405Z")
}
