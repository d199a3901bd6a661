package modpost

import (
	"bytes"
	"strings"
)

// Kbuild's side files that modpost reads next to a module:
//
//   - <mod>.mod lists the module's objects, one path a line.
//   - .<obj>.o.cmd, beside each object, holds "#SYMVER <name> <crc>" lines
//     (CRCs genksyms computed for the object's exports) and fixdep's
//     "source_..." and "deps_..." lines (the files srcversion sums).
//
// Both are read as C strings: anything after a NUL byte is ignored.

// pathMax is PATH_MAX: modpost refuses side-file paths this long or longer.
const pathMax = 4096

// untilNUL returns data up to its first NUL byte.
func untilNUL(data []byte) []byte {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return data[:i]
	}
	return data
}

// ModObjects returns the object paths of a <mod>.mod file as modpost reads
// them for CRCs: the lines before the first empty one.
func ModObjects(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(untilNUL(data)), "\n") {
		if l == "" {
			break
		}
		out = append(out, l)
	}
	return out
}

// modSources returns the paths of a <mod>.mod file as srcversion reads
// them: every non-empty line.
func modSources(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(untilNUL(data)), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// crcCmdPath returns the .cmd file holding an object's #SYMVER lines:
// "dir/.base.o.cmd" for "dir/base.o". Like modpost, it drops the last two
// bytes of the base name whatever they are (a ThinLTO
// ".thinlto-native.o" loses that whole suffix), and keeps the base name
// whole when it is shorter than two bytes.
func crcCmdPath(object string) string {
	dir, base := splitDir(object)
	n := len(base) - len(".o")
	if strings.HasSuffix(object, ".thinlto-native.o") {
		n -= len(".thinlto-native")
	}
	if n >= 0 {
		base = base[:n]
	}
	return dir + "." + base + ".o.cmd"
}

// splitDir splits a path after its last slash.
func splitDir(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/') + 1
	return p[:i], p[i:]
}

// SymverCRC is one "#SYMVER <name> <crc>" line of a .cmd file.
type SymverCRC struct {
	Name string
	CRC  uint32
}

// ParseSymvers returns the #SYMVER lines of a .cmd file the way modpost
// reads them: a line counts only when a newline precedes it; the name runs
// to the next space (even past a newline); the CRC is a C unsigned long
// (0x hex, 0 octal or decimal, kept to its low 32 bits, all ones on
// overflow) that must start with a digit and end at a newline. A line that
// breaks these rules is skipped, except that a name with no space anywhere
// after it ends the scan.
func ParseSymvers(data []byte) []SymverCRC {
	// The names are copied out one by one, so that the result does not
	// keep the whole file alive.
	tag := []byte("\n#SYMVER ")
	text := untilNUL(data)
	var out []SymverCRC
	p := 0
	for {
		i := bytes.Index(text[p:], tag)
		if i < 0 {
			return out
		}
		nameAt := p + i + len(tag)
		sp := bytes.IndexByte(text[nameAt:], ' ')
		if sp < 0 {
			return out
		}
		name := text[nameAt : nameAt+sp]
		p = nameAt + sp + 1
		if p >= len(text) || !isDigit(text[p]) {
			continue
		}
		crc, end := strtoul(text, p)
		p = end
		if p >= len(text) || text[p] != '\n' {
			continue
		}
		out = append(out, SymverCRC{Name: string(name), CRC: uint32(crc)})
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// strtoul parses an unsigned number at s[i:], which starts with a digit,
// as C's strtoul(s, &end, 0) does, and returns it with the index after it.
// On overflow it returns all ones and still consumes every digit.
func strtoul[S string | []byte](s S, i int) (uint64, int) {
	base := uint64(10)
	if s[i] == '0' {
		base = 8
		if i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && hexDigit(s[i+2]) >= 0 {
			base = 16
			i += 2
		}
	}
	var v uint64
	overflow := false
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d < 0 || uint64(d) >= base {
			break
		}
		if v > (^uint64(0)-uint64(d))/base {
			overflow = true
		}
		v = v*base + uint64(d)
	}
	if overflow {
		v = ^uint64(0)
	}
	return v, i
}

// hexDigit returns the value of a hex digit, or -1.
func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
