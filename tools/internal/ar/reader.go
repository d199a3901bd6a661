package ar

import (
	"bytes"
	"fmt"
)

// Member is one regular member of an archive, as stored.
type Member struct {
	// Name is the member's name. In a thin archive it is the path of the
	// member's file, relative to the archive's directory unless absolute.
	Name string
	// Size is the size of the member's data.
	Size int64
	// HeaderOffset is where the member's header starts in the archive.
	HeaderOffset int64
	// NestedOffset is set for a thin archive's "/N:M" member: Name is then a
	// normal archive, and NestedOffset is M, the offset of the member's header
	// in it.
	NestedOffset int64
	// nameFieldEnd is the raw last byte of the header's name field.
	nameFieldEnd byte
}

// DataOffset returns where a normal archive member's data starts.
func (m Member) DataOffset() int64 { return m.HeaderOffset + headerSize }

// Archive is a parsed archive: its kind and its regular members in order.
// Symbol and long-name tables are not members.
type Archive struct {
	Kind    Kind
	Members []Member
}

// Parse reads the archive held in data. file names it in errors.
func Parse(file string, data []byte) (*Archive, error) {
	p := parser{file: file, data: data}
	return p.parse()
}

type parser struct {
	file  string
	data  []byte
	names []byte // the "//" long-name table, nil if none
}

func (p *parser) errorf(off int64, format string, args ...any) error {
	return &FormatError{File: p.file, Offset: off, Problem: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() (*Archive, error) {
	data := p.data
	a := &Archive{}
	switch {
	case len(data) == 0:
		return nil, p.errorf(0, "empty file, not an archive")
	case len(data) < len(Magic):
		return nil, p.errorf(0, "bad magic %q: file too short", data)
	case string(data[:len(Magic)]) == Magic:
		a.Kind = Normal
	case string(data[:len(ThinMagic)]) == ThinMagic:
		a.Kind = Thin
	default:
		return nil, p.errorf(0, "bad magic %q, want %q or %q", data[:len(Magic)], Magic, ThinMagic)
	}
	total := int64(len(data))
	off := int64(len(Magic))
	for index := 0; off < total; index++ {
		if total-off < headerSize {
			return nil, p.errorf(off, "truncated member header: %d bytes left, a header is %d", total-off, headerSize)
		}
		h := data[off : off+headerSize]
		if string(h[58:60]) != headerEnd {
			return nil, p.errorf(off, "bad header terminator %q, want %q", h[58:60], headerEnd)
		}
		size, ok := parseSize(h[48:58])
		if !ok {
			return nil, p.errorf(off+48, "bad size field %q", h[48:58])
		}
		field := h[:nameFieldSize]
		trimmed := string(bytes.TrimRight(field, " "))
		special := trimmed == "/" || trimmed == "/SYM64/" || trimmed == "//"
		hasData := a.Kind == Normal || special
		if hasData && size > total-off-headerSize {
			return nil, p.errorf(off, "member %q: size %d runs past the end of the archive (%d bytes)", trimmed, size, total)
		}
		switch {
		case trimmed == "/" || trimmed == "/SYM64/":
			if index != 0 {
				return nil, p.errorf(off, "symbol table %q is not the first member", trimmed)
			}
		case trimmed == "//":
			if p.names != nil {
				return nil, p.errorf(off, "second long-name table")
			}
			if len(a.Members) > 0 {
				return nil, p.errorf(off, "long-name table after regular members")
			}
			p.names = data[off+headerSize : off+headerSize+size]
		default:
			m, err := p.member(off, field, a.Kind)
			if err != nil {
				return nil, err
			}
			m.Size = size
			a.Members = append(a.Members, m)
		}
		off += headerSize
		if hasData {
			off += size
			if size%2 == 1 && off < total {
				off++ // pad byte; it may be missing at the very end
			}
		}
	}
	return a, nil
}

// member decodes a regular member's name field.
func (p *parser) member(off int64, field []byte, kind Kind) (Member, error) {
	m := Member{HeaderOffset: off, nameFieldEnd: field[nameFieldSize-1]}
	if field[0] != '/' {
		// Short name: "name/" padded with spaces, or BSD-style "name " when
		// there is no slash.
		var name []byte
		if i := bytes.IndexByte(field, '/'); i >= 0 {
			name = field[:i]
		} else {
			name = bytes.TrimRight(field, " ")
		}
		if len(name) == 0 {
			return m, p.errorf(off, "empty member name %q", field)
		}
		if bytes.IndexByte(name, '\n') >= 0 {
			return m, p.errorf(off, "bad member name %q", field)
		}
		m.Name = string(name)
		return m, nil
	}
	// Long name: "/N", or "/N:M" in a thin archive.
	rest := field[1:]
	index, n := leadingNumber(rest)
	if n == 0 {
		return m, p.errorf(off, "bad member name %q", field)
	}
	rest = rest[n:]
	if kind == Thin && len(rest) > 0 && rest[0] == ':' {
		nested, n := leadingNumber(rest[1:])
		if n == 0 {
			return m, p.errorf(off, "bad nested member offset in name %q", field)
		}
		if nested < int64(len(Magic)) {
			return m, p.errorf(off, "nested member offset %d in name %q is inside the magic", nested, field)
		}
		m.NestedOffset = nested
		rest = rest[1+n:]
	}
	// GNU ar leaves a stale last byte in the field; everything else is blank.
	if len(rest) > 0 && len(bytes.Trim(rest[:len(rest)-1], " ")) > 0 {
		return m, p.errorf(off, "bad member name %q", field)
	}
	if p.names == nil {
		return m, p.errorf(off, "long name %q but the archive has no long-name table", bytes.TrimRight(field, " "))
	}
	if index >= int64(len(p.names)) {
		return m, p.errorf(off, "long name offset %d is past the long-name table (%d bytes)", index, len(p.names))
	}
	entry := p.names[index:]
	end := bytes.IndexByte(entry, '\n')
	if end < 0 {
		return m, p.errorf(off, "long name at table offset %d is not terminated by a newline", index)
	}
	name := bytes.TrimSuffix(entry[:end], []byte("/"))
	if len(name) == 0 {
		return m, p.errorf(off, "empty long name at table offset %d", index)
	}
	m.Name = string(name)
	return m, nil
}

// leadingNumber parses the decimal digits at the start of b. It returns the
// value and the number of digits, 0 if there are none or too many.
func leadingNumber(b []byte) (int64, int) {
	var v int64
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	if n > 15 {
		return 0, 0
	}
	return v, n
}
