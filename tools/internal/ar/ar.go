// Package ar reads and writes GNU-format ar archives the way kbuild uses
// them.
//
// Two kinds are supported:
//   - thin archives ("!<thin>\n"), as `ar cDPrST` makes them: every member
//     name is a path in the "//" long-name table, relative to the archive's
//     directory, and member data stays in the member's own file;
//   - normal archives ("!<arch>\n") with deterministic headers.
//
// Headers written are deterministic: mtime, uid and gid 0, mode 644. No
// symbol index is written (the S flag); one found while reading ("/" or
// "/SYM64/") is skipped.
//
// Nested archives are flattened in order, because link order is initcall
// order: a thin archive member that is itself an archive is replaced by its
// members, recursively. A thin archive may also point at a member of a normal
// archive with GNU's "/N:M" name (N: offset of the normal archive's path in
// the long-name table, M: offset of the member's header in that archive);
// those are read and written too. Members of normal archives are leaves, even
// when their contents happen to be archives.
package ar

import (
	"bytes"
	"fmt"
	"strconv"
)

const (
	// Magic starts a normal archive.
	Magic = "!<arch>\n"
	// ThinMagic starts a thin archive.
	ThinMagic = "!<thin>\n"

	headerSize = 60
	// nameFieldSize is the width of a header's name field. A short name is
	// stored as "name/", so it may hold at most 15 bytes.
	nameFieldSize = 16
	maxShortName  = nameFieldSize - 1
	headerEnd     = "`\n"
)

// Kind tells thin archives from normal ones.
type Kind int

const (
	// Normal archives hold their members' data.
	Normal Kind = iota
	// Thin archives hold only their members' paths.
	Thin
)

func (k Kind) String() string {
	if k == Thin {
		return "thin"
	}
	return "normal"
}

// FormatError reports malformed archive input.
type FormatError struct {
	File    string
	Offset  int64
	Problem string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("archive %s: at offset %d: %s", e.File, e.Offset, e.Problem)
}

// header is one 60-byte member header.
type header [headerSize]byte

// newHeader fills a header with name and size; date, uid, gid and mode are
// the deterministic values `ar D` writes. Special members ("//") leave them
// blank, as GNU ar does.
func newHeader(name string, size int64, special bool) (header, error) {
	var h header
	for i := range h {
		h[i] = ' '
	}
	if len(name) > nameFieldSize {
		return h, fmt.Errorf("member name field %q longer than %d bytes", name, nameFieldSize)
	}
	copy(h[0:16], name)
	if !special {
		copy(h[16:28], "0")
		copy(h[28:34], "0")
		copy(h[34:40], "0")
		copy(h[40:48], "644")
	}
	s := strconv.FormatInt(size, 10)
	if size < 0 || len(s) > 10 {
		return h, fmt.Errorf("member %q: size %d does not fit the 10-digit size field", name, size)
	}
	copy(h[48:58], s)
	copy(h[58:60], headerEnd)
	return h, nil
}

// parseSize reads a header's size field: decimal digits, then spaces.
func parseSize(field []byte) (int64, bool) {
	digits := bytes.TrimRight(field, " ")
	if len(digits) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
