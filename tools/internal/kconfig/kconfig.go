// Package kconfig reads a kernel .config file as written by kconfig.
//
// Accepted lines:
//
//	CONFIG_FOO=y              a bare value: y, m, n, 123, -1, 0x1f, ...
//	CONFIG_FOO="text"         a string; \x stands for x (kconfig writes \" and \\)
//	# CONFIG_FOO is not set   the symbol is n
//	# any other comment
//	(blank line)
//
// Where kconfig only warns and skips a line, Parse fails with an error that
// names the file and line: a .config is an input to a certified build, and a
// skipped line (say, an unterminated HMAC key) would silently change what the
// kernel gets. When a symbol is assigned twice, the last assignment wins, as
// in kconfig ("override: reassigning to symbol"); Config.Overrides lists
// such lines so that callers can warn.
package kconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Prefix starts every symbol in a .config. Symbols are looked up without it.
const Prefix = "CONFIG_"

// Kind tells how a symbol's value was written.
type Kind int

const (
	// Unset is "# CONFIG_FOO is not set".
	Unset Kind = iota
	// Bare is an unquoted value such as y, m, n, 42 or 0x10.
	Bare
	// String is a quoted value; Entry.Value holds it unescaped.
	String
)

func (k Kind) String() string {
	switch k {
	case Unset:
		return "unset"
	case Bare:
		return "bare"
	case String:
		return "string"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Entry is the value a .config gives a symbol.
type Entry struct {
	Symbol string // without Prefix
	Kind   Kind
	Value  string // "n" for Unset; the raw token for Bare; unescaped for String
	Line   int    // 1-based line of the assignment that won
}

// Override records a symbol assigned more than once.
type Override struct {
	Symbol   string
	Line     int // the later assignment, which wins
	PrevLine int // the assignment it replaces
}

// Config is a parsed .config.
type Config struct {
	File      string     // the name used in errors
	Overrides []Override // in file order
	entries   map[string]Entry
	order     []string
}

// Error is a problem in a .config, at a line (or 0 for the whole file).
type Error struct {
	File string
	Line int
	Msg  string

	notFound bool
}

// Is reports whether the error is ErrNotFound.
func (e *Error) Is(target error) bool { return e.notFound && target == ErrNotFound }

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ErrNotFound is wrapped by accessor errors for a symbol the file does not
// mention at all.
var ErrNotFound = errors.New("symbol not found")

// ParseFile reads and parses the .config at path.
func ParseFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading kernel config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses data; file names it in errors.
func Parse(file string, data []byte) (*Config, error) {
	c := &Config{File: file, entries: map[string]Entry{}}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := 1 + bytes.Count(data[:i], []byte{'\n'})
		return nil, &Error{File: file, Line: line, Msg: "NUL byte in file"}
	}
	text := string(data)
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		e, ok, err := parseLine(line)
		if err != nil {
			return nil, &Error{File: file, Line: n, Msg: err.Error()}
		}
		if !ok {
			continue
		}
		e.Line = n
		if prev, dup := c.entries[e.Symbol]; dup {
			c.Overrides = append(c.Overrides, Override{e.Symbol, n, prev.Line})
		} else {
			c.order = append(c.order, e.Symbol)
		}
		c.entries[e.Symbol] = e
	}
	return c, nil
}

// parseLine returns ok=false for blank lines and comments.
func parseLine(line string) (Entry, bool, error) {
	if strings.TrimLeft(line, " \t") == "" {
		return Entry{}, false, nil
	}
	if strings.HasPrefix(line, "#") {
		sym, ok := notSet(line)
		return Entry{Symbol: sym, Kind: Unset, Value: "n"}, ok, nil
	}
	rest, ok := strings.CutPrefix(line, Prefix)
	if !ok {
		return Entry{}, false, fmt.Errorf("unexpected line %q: want %sNAME=VALUE, a comment or a blank line", clip(line), Prefix)
	}
	sym, val, ok := strings.Cut(rest, "=")
	if !ok {
		return Entry{}, false, fmt.Errorf("no '=' in %q", clip(line))
	}
	if !validSymbol(sym) {
		return Entry{}, false, fmt.Errorf("invalid symbol name %q", clip(Prefix+sym))
	}
	if strings.HasPrefix(val, `"`) {
		s, err := unquote(val)
		if err != nil {
			return Entry{}, false, fmt.Errorf("%s%s: %v", Prefix, sym, err)
		}
		return Entry{Symbol: sym, Kind: String, Value: s}, true, nil
	}
	if err := checkBare(val); err != nil {
		return Entry{}, false, fmt.Errorf("%s%s: %v", Prefix, sym, err)
	}
	return Entry{Symbol: sym, Kind: Bare, Value: val}, true, nil
}

// notSet recognises exactly "# CONFIG_FOO is not set", as kconfig does; any
// other line starting with '#' is a comment.
func notSet(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "# "+Prefix)
	if !ok {
		return "", false
	}
	sym, ok := strings.CutSuffix(rest, " is not set")
	if !ok || !validSymbol(sym) {
		return "", false
	}
	return sym, true
}

func validSymbol(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// unquote decodes a kconfig string value: a backslash makes the next byte
// literal and a double quote ends the string. Only trailing blanks may follow.
func unquote(val string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(val); i++ {
		switch c := val[i]; c {
		case '\\':
			i++
			if i == len(val) {
				return "", errors.New("unterminated string: ends in a backslash")
			}
			b.WriteByte(val[i])
		case '"':
			if tail := val[i+1:]; strings.TrimRight(tail, " \t") != "" {
				return "", fmt.Errorf("unexpected text %q after closing quote", clip(tail))
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unterminated string: no closing quote")
}

// checkBare accepts the unquoted values kconfig writes: y, m, n and numbers.
// It refuses what kconfig would reject for every symbol type.
func checkBare(val string) error {
	if val == "" {
		return errors.New("empty value")
	}
	for i := 0; i < len(val); i++ {
		c := val[i]
		if c <= ' ' || c == 0x7f || c == '"' || c == '\\' || c == '#' {
			return fmt.Errorf("invalid character %q in unquoted value %q", c, clip(val))
		}
	}
	return nil
}

func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// Symbols returns every symbol the file sets, in order of first appearance.
func (c *Config) Symbols() []string {
	return append([]string(nil), c.order...)
}

// Lookup returns the entry for sym (without Prefix).
func (c *Config) Lookup(sym string) (Entry, bool) {
	e, ok := c.entries[sym]
	return e, ok
}

// Tristate is the value of a bool or tristate symbol.
type Tristate int

const (
	No Tristate = iota
	Module
	Yes
)

func (t Tristate) String() string {
	return [...]string{"n", "m", "y"}[t]
}

// Tristate returns sym's value as y, m or n. A symbol the file does not
// mention is n, as in kconfig.
func (c *Config) Tristate(sym string) (Tristate, error) {
	e, ok := c.entries[sym]
	if !ok {
		return No, nil
	}
	if e.Kind == Bare {
		switch e.Value {
		case "y":
			return Yes, nil
		case "m":
			return Module, nil
		case "n":
			return No, nil
		}
	}
	if e.Kind == Unset {
		return No, nil
	}
	return No, c.errorf(e.Line, "%s%s is %s, not y, m or n", Prefix, sym, e.show())
}

// String returns the unescaped value of a string symbol. It fails, naming
// the file, when the symbol is absent (wrapping ErrNotFound), not set, or not
// a quoted string.
func (c *Config) String(sym string) (string, error) {
	e, ok := c.entries[sym]
	if !ok {
		return "", c.missing(sym)
	}
	switch e.Kind {
	case String:
		return e.Value, nil
	case Unset:
		return "", c.errorf(e.Line, "%s%s is not set; want a quoted string", Prefix, sym)
	}
	return "", c.errorf(e.Line, "%s%s is %s, not a quoted string", Prefix, sym, e.show())
}

// Int returns the value of an int or hex symbol (decimal, or hex with 0x).
func (c *Config) Int(sym string) (int64, error) {
	e, ok := c.entries[sym]
	if !ok {
		return 0, c.missing(sym)
	}
	if e.Kind == Bare {
		if v, err := parseInt(e.Value); err == nil {
			return v, nil
		}
	}
	return 0, c.errorf(e.Line, "%s%s is %s, not an integer", Prefix, sym, e.show())
}

// parseInt reads kconfig numbers: decimal for int symbols, 0x-prefixed hex
// for hex ones. A leading 0 does not mean octal.
func parseInt(s string) (int64, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		u, err := strconv.ParseUint(h, 16, 63)
		return int64(u), err
	}
	return strconv.ParseInt(s, 10, 64)
}

func (e Entry) show() string {
	switch e.Kind {
	case Unset:
		return "not set"
	case String:
		return strconv.Quote(clip(e.Value))
	}
	return clip(e.Value)
}

func (c *Config) missing(sym string) *Error {
	e := c.errorf(0, "%s%s is missing", Prefix, sym)
	e.notFound = true
	return e
}

func (c *Config) errorf(line int, format string, args ...any) *Error {
	return &Error{File: c.File, Line: line, Msg: fmt.Sprintf(format, args...)}
}
