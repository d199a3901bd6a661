package kernellink

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// SymbolFilter is the kernel's scripts/mksysmap: a sed script whose every
// command is `/REGEX/d`, deleting the nm lines that System.map leaves out.
type SymbolFilter struct {
	deletes []*regexp.Regexp
}

// ParseSymbolFilter reads a mksysmap script. Comments and blank lines are
// skipped; any other command than `/BRE/d` is an error naming its line.
func ParseSymbolFilter(name string, script []byte) (*SymbolFilter, error) {
	f := &SymbolFilter{}
	for i, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) < 4 || line[0] != '/' || !strings.HasSuffix(line, "/d") {
			return nil, fmt.Errorf("%s:%d: %q is not a /REGEX/d command", name, i+1, line)
		}
		re, err := breToRE2(line[1 : len(line)-2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, i+1, err)
		}
		f.deletes = append(f.deletes, re)
	}
	return f, nil
}

// breToRE2 translates the POSIX basic regular expressions mksysmap uses:
// in a BRE, + ? ( ) { } | are ordinary characters, and \( \) \{ \} (groups
// and intervals) are not supported here.
func breToRE2(bre string) (*regexp.Regexp, error) {
	var b strings.Builder
	inBracket := false
	for i := 0; i < len(bre); i++ {
		c := bre[i]
		switch {
		case inBracket:
			if c == '[' && i+1 < len(bre) && bre[i+1] == ':' {
				end := strings.Index(bre[i:], ":]")
				if end < 0 {
					return nil, fmt.Errorf("unterminated character class in %q", bre)
				}
				b.WriteString(bre[i : i+end+2])
				i += end + 1
				continue
			}
			if c == ']' {
				inBracket = false
			}
			if c == '\\' {
				b.WriteString(`\\`)
				continue
			}
			b.WriteByte(c)
		case c == '[':
			inBracket = true
			b.WriteByte(c)
			if i+1 < len(bre) && bre[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(bre) && bre[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '\\':
			if i+1 >= len(bre) {
				return nil, fmt.Errorf("trailing backslash in %q", bre)
			}
			i++
			switch n := bre[i]; n {
			case '(', ')', '{', '}', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				return nil, fmt.Errorf(`\%c (groups, intervals, back-references) is not supported in %q`, n, bre)
			default:
				b.WriteString(regexp.QuoteMeta(string(n)))
			}
		case strings.IndexByte("+?(){}|", c) >= 0:
			b.WriteString(regexp.QuoteMeta(string(c)))
		case c == '*' && (i == 0 || (i == 1 && bre[0] == '^')):
			b.WriteString(`\*`) // a leading * is literal
		default:
			b.WriteByte(c)
		}
	}
	if inBracket {
		return nil, fmt.Errorf("unterminated [ in %q", bre)
	}
	return regexp.Compile(b.String())
}

// Filter returns the lines of nm's output that no command deletes.
func (f *SymbolFilter) Filter(nm []byte) []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(nm))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
lines:
	for sc.Scan() {
		line := sc.Text()
		for _, re := range f.deletes {
			if re.MatchString(line) {
				continue lines
			}
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}
