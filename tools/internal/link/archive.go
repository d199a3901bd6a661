package link

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// This file lists the members of the GNU archives the partial link takes,
// only so that their architectures can be checked before linking. It reads
// just enough of the format: normal ("!<arch>") and thin ("!<thin>")
// archives, with the GNU long-name table. The archiver's own package should
// replace it once it lands.

const (
	arMagic     = "!<arch>\n"
	thinMagic   = "!<thin>\n"
	arHdrSize   = 60
	maxArMember = 1 << 40
)

// arMember is one member of an archive.
type arMember struct {
	Name   string // as stored; for a thin archive, a path relative to the archive
	Offset int64  // of the data in the archive; -1 for a thin archive's member
	Size   int64
}

// isArchive reports whether head (the first bytes of a file) starts an
// archive.
func isArchive(head []byte) bool {
	return bytes.HasPrefix(head, []byte(arMagic)) || bytes.HasPrefix(head, []byte(thinMagic))
}

// readArchive lists the object members of the archive r of the given size.
// Symbol tables and the long-name table are skipped.
func readArchive(r io.ReaderAt, size int64) (thin bool, members []arMember, err error) {
	magic := make([]byte, len(arMagic))
	if _, err := r.ReadAt(magic, 0); err != nil {
		return false, nil, fmt.Errorf("reading archive magic: %w", err)
	}
	switch string(magic) {
	case arMagic:
	case thinMagic:
		thin = true
	default:
		return false, nil, fmt.Errorf("not an archive (starts with %q)", magic)
	}
	var longNames []byte
	hdr := make([]byte, arHdrSize)
	for off := int64(len(arMagic)); off < size; {
		if size-off < arHdrSize {
			return thin, nil, fmt.Errorf("truncated archive: member header at offset %d", off)
		}
		if _, err := r.ReadAt(hdr, off); err != nil {
			return thin, nil, fmt.Errorf("reading member header at offset %d: %w", off, err)
		}
		if string(hdr[58:60]) != "`\n" {
			return thin, nil, fmt.Errorf("bad member header at offset %d", off)
		}
		msize, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || msize < 0 || msize > maxArMember {
			return thin, nil, fmt.Errorf("bad member size %q at offset %d", strings.TrimSpace(string(hdr[48:58])), off)
		}
		name := strings.TrimRight(string(hdr[:16]), " ")
		data := off + arHdrSize
		// A thin archive holds the data of its symbol and name tables only.
		special := name == "/" || name == "//" || name == "/SYM64/"
		hasData := !thin || special
		if hasData && msize > size-data {
			return thin, nil, fmt.Errorf("truncated archive: member %q at offset %d needs %d bytes", name, off, msize)
		}
		switch {
		case name == "//":
			longNames = make([]byte, msize)
			if _, err := r.ReadAt(longNames, data); err != nil {
				return thin, nil, fmt.Errorf("reading long-name table: %w", err)
			}
		case special:
		default:
			n, err := memberName(name, longNames)
			if err != nil {
				return thin, nil, fmt.Errorf("member at offset %d: %w", off, err)
			}
			m := arMember{Name: n, Offset: data, Size: msize}
			if thin {
				m.Offset = -1
			}
			members = append(members, m)
		}
		off = data
		if hasData {
			off += msize + msize%2
		}
	}
	return thin, members, nil
}

// memberName decodes a GNU member name: "name/", or "/N" with N an offset
// into the long-name table, whose entries end in "/\n". As in bfd, what
// follows N's digits is ignored, except ":ORIGIN", which names a member of
// an archive nested in a thin archive; that is not supported.
func memberName(name string, longNames []byte) (string, error) {
	if rest, ok := strings.CutPrefix(name, "/"); ok && rest != "" {
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		i, err := strconv.Atoi(rest[:digits])
		if err != nil || i < 0 || i >= len(longNames) {
			return "", fmt.Errorf("bad long name reference %q", name)
		}
		if strings.HasPrefix(rest[digits:], ":") {
			return "", fmt.Errorf("member %q of a nested archive: not supported", name)
		}
		end := bytes.Index(longNames[i:], []byte("/\n"))
		if end <= 0 {
			return "", fmt.Errorf("unterminated long name at %d", i)
		}
		return string(longNames[i : i+end]), nil
	}
	n := strings.TrimSuffix(name, "/")
	if n == "" {
		return "", fmt.Errorf("empty member name")
	}
	return n, nil
}

// thinMemberPath is where a thin archive's member lives: member names are
// relative to the archive's directory.
func thinMemberPath(archive, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(archive), name)
}
