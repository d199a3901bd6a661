package modpost

import (
	"fmt"
	"math/bits"
	"strings"
)

// srcVersion returns the srcversion of the module whose objects
// modFile (<mod>.mod) lists, as Linux 7.2's modpost computes it: an MD4
// over the module's source files with white space, comments and
// backslash-newlines left out, printed as 23 hex digits. The sources are
// the "source_" file and the "deps_" files in the object's own directory
// named by each object's .<obj>.cmd. It returns "" when a .cmd line is
// malformed (after warning, as modpost does).
func (r *run) srcVersion(modFile string) string {
	d := newMD4(true)
	for _, obj := range modSources(r.readSideFile(modFile)) {
		if len(obj) >= 2 && strings.HasSuffix(obj, ".a") {
			continue
		}
		if !r.sumSources(obj, d) {
			return ""
		}
	}
	// modpost prints each word byte-swapped, i.e. the digest's bytes,
	// and keeps 23 of the 32 digits (its buffer holds 24 bytes).
	h := d.sum()
	return fmt.Sprintf("%08X%08X%08X%08X", bits.ReverseBytes32(h[0]), bits.ReverseBytes32(h[1]),
		bits.ReverseBytes32(h[2]), bits.ReverseBytes32(h[3]))[:23]
}

// sumSources adds the sources named by "dir/.base.cmd" (for object
// "dir/base") to d.
func (r *run) sumSources(obj string, d *md4) bool {
	dir, base := splitDir(obj)
	lines := cLines(r.readSideFile(dir + "." + base + ".cmd"))
	inDeps := false
	for _, line := range lines {
		line = strings.TrimLeft(line, cSpace)
		if strings.HasPrefix(line, "source_") {
			sp := strings.LastIndexByte(line, ' ')
			if sp < 0 {
				r.warnf("malformed line: %s\n", line)
				return false
			}
			sumSourceFile(r.readSideFile(line[sp+1:]), d)
			continue
		}
		if strings.HasPrefix(line, "deps_") {
			inDeps = true
			continue
		}
		if !inDeps {
			continue
		}
		// The deps list ends at the first line without a trailing
		// backslash.
		if !strings.HasSuffix(line, "\\") {
			break
		}
		if i := strings.IndexAny(line, cSpace); i >= 0 {
			line = line[:i]
		}
		if inDir(line, dir) {
			sumSourceFile(r.readSideFile(line), d)
		}
	}
	return true
}

// inDir reports whether modpost sums dependency file for an object in
// dir: the first occurrence of dir in file must end at file's last slash.
// (An empty dir never matches; with dir "/" a file without any slash
// does, a quirk of modpost's pointer arithmetic kept here.)
func inDir(file, dir string) bool {
	if dir == "" {
		return false
	}
	last := strings.LastIndexByte(file, '/')
	i := strings.Index(file, dir)
	if i < 0 {
		return len(dir) == 1 && last < 0
	}
	return i+len(dir)-1 == last
}

// byteWriter takes the bytes srcversion sums.
type byteWriter interface{ write(p []byte) }

// cSpace is the C locale's isspace set.
const cSpace = " \t\n\v\f\r"

// cLines splits text into lines as modpost's get_line does: a final
// newline ends the last line and does not start an empty one.
func cLines(text []byte) []string {
	s := string(untilNUL(text))
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// sumSourceFile adds a source file to d: every byte except white space,
// backslash-newline pairs and /* */ comments; a "..." string is added
// whole, white space included. (// comments are summed.)
func sumSourceFile(data []byte, d byteWriter) {
	f := untilNUL(data)
	n := len(f)
	at := func(i int) byte {
		if i < n {
			return f[i]
		}
		return 0
	}
	for i := 0; i < n; i++ {
		c := f[i]
		switch {
		case c == '\\' && at(i+1) == '\n':
			i++
		case strings.IndexByte(cSpace, c) >= 0:
		case c == '"':
			// The string runs to the next quote not preceded by a
			// backslash; i ends on that quote.
			j := i + 1
			for ; j < n; j++ {
				if f[j] == '"' && f[j-1] != '\\' {
					break
				}
			}
			if j < n {
				d.write(f[i : j+1])
			} else {
				d.write(f[i:])
			}
			i = j
		case c == '/' && at(i+1) == '*':
			j := i + 2
			for ; j < n; j++ {
				if f[j-1] == '*' && f[j] == '/' {
					break
				}
			}
			i = j
		default:
			d.write(f[i : i+1])
		}
	}
}
