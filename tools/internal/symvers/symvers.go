// Package symvers reads and writes kbuild's Module.symvers files.
//
// Each line describes one exported symbol with exactly five fields separated
// by tabs:
//
//	0xCRC<TAB>symbol<TAB>module<TAB>EXPORT_SYMBOL[_GPL]<TAB>namespace
//
// The CRC is 0x00000000 without CONFIG_MODVERSIONS, and the namespace is
// usually empty. This is the format written by modpost in Linux 7.2
// (scripts/mod/modpost.c, write_dump).
package symvers

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Export is one line of a Module.symvers file.
type Export struct {
	CRC       uint32
	Symbol    string
	Module    string // "vmlinux" or a module path without ".ko", e.g. "crypto/wp512"
	GPLOnly   bool   // EXPORT_SYMBOL_GPL
	Namespace string // "" for the default namespace
}

// Kind returns "EXPORT_SYMBOL" or "EXPORT_SYMBOL_GPL".
func (e Export) Kind() string {
	if e.GPLOnly {
		return "EXPORT_SYMBOL_GPL"
	}
	return "EXPORT_SYMBOL"
}

// String formats e as one line of Module.symvers, without the newline.
func (e Export) String() string {
	return fmt.Sprintf("0x%08x\t%s\t%s\t%s\t%s", e.CRC, e.Symbol, e.Module, e.Kind(), e.Namespace)
}

// Error is a parse error at one line of a named file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Parse reads a Module.symvers file. name is the file's name, used in errors.
//
// Parse is stricter than modpost's read_dump: the CRC must be 1 to 8 hex
// digits with an optional 0x prefix, no field may hold a carriage return, and
// the namespace may not hold a tab. A last line without a newline is accepted,
// as modpost does; an empty line is an error, as in modpost.
func Parse(r io.Reader, name string) ([]Export, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// One string for the whole file: the fields are substrings of it.
	text := string(data)
	if text == "" {
		return nil, nil
	}
	exports := make([]Export, 0, strings.Count(text, "\n")+1)
	line := 0
	for len(text) > 0 {
		line++
		var l string
		l, text, _ = strings.Cut(text, "\n")
		e, msg := parseLine(l)
		if msg != "" {
			return nil, &Error{File: name, Line: line, Msg: msg}
		}
		exports = append(exports, e)
	}
	return exports, nil
}

func parseLine(text string) (Export, string) {
	if text == "" {
		return Export{}, "empty line"
	}
	if strings.ContainsRune(text, '\r') {
		return Export{}, "carriage return in line"
	}
	if strings.IndexByte(text, 0) >= 0 {
		return Export{}, "NUL byte in line"
	}
	// Like strings.SplitN(text, "\t", 5), without allocating.
	var f [5]string
	n, rest := 0, text
	for ; n < len(f)-1; n++ {
		field, after, ok := strings.Cut(rest, "\t")
		if !ok {
			break
		}
		f[n], rest = field, after
	}
	f[n] = rest
	if n++; n != len(f) {
		return Export{}, fmt.Sprintf("want 5 tab-separated fields, got %d", n)
	}
	if strings.IndexByte(f[4], '\t') >= 0 {
		return Export{}, "want 5 tab-separated fields, got more"
	}
	crc, ok := parseCRC(f[0])
	if !ok {
		return Export{}, fmt.Sprintf("bad CRC %q", f[0])
	}
	e := Export{CRC: crc, Symbol: f[1], Module: f[2], Namespace: f[4]}
	if e.Symbol == "" {
		return Export{}, "empty symbol name"
	}
	if e.Module == "" {
		return Export{}, fmt.Sprintf("empty module name for symbol %s", e.Symbol)
	}
	switch f[3] {
	case "EXPORT_SYMBOL":
	case "EXPORT_SYMBOL_GPL":
		e.GPLOnly = true
	default:
		return Export{}, fmt.Sprintf("unknown export type %q for symbol %s", f[3], e.Symbol)
	}
	return e, ""
}

func parseCRC(s string) (uint32, bool) {
	hex := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(hex) == 0 || len(hex) > 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// Write writes exports in Module.symvers format, one line each, in order.
func Write(w io.Writer, exports []Export) error {
	bw := bufio.NewWriter(w)
	for _, e := range exports {
		if err := validate(e); err != nil {
			return err
		}
		bw.WriteString(e.String())
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// validate refuses exports that would not read back as themselves.
func validate(e Export) error {
	if e.Symbol == "" || e.Module == "" {
		return fmt.Errorf("symvers: export %q of module %q: empty symbol or module name", e.Symbol, e.Module)
	}
	for _, s := range []string{e.Symbol, e.Module, e.Namespace} {
		if strings.ContainsAny(s, "\t\n\r\x00") {
			return fmt.Errorf("symvers: export %q of module %q: tab, newline or NUL in a field", e.Symbol, e.Module)
		}
	}
	return nil
}
