package ar

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxDepth bounds archive nesting, as a guard against cycles.
const maxDepth = 64

// Leaf is one member after flattening: a file of its own, or a member of a
// normal archive.
type Leaf struct {
	// Path is the file that holds the member: the object itself or, when
	// Member is set, the normal archive that contains it. For members of a
	// thin archive it is the archive's directory joined with the stored name,
	// as `ar t` prints it.
	Path string
	// Member is the member's name inside the normal archive at Path; empty
	// for a file of its own.
	Member string
	// Size is the member's size in bytes.
	Size int64
	// HeaderOffset is where the member's header starts in the normal archive
	// at Path; 0 for a file of its own.
	HeaderOffset int64
	// nameFieldEnd is the last byte of the member's name field in that
	// archive; GNU ar copies it into thin archives that point at the member.
	nameFieldEnd byte
}

// DataOffset is where the member's data starts in the normal archive at
// Path; 0 for a file of its own.
func (l Leaf) DataOffset() int64 {
	if l.Member == "" {
		return 0
	}
	return l.HeaderOffset + headerSize
}

// Name returns the leaf's name as `ar t` prints it.
func (l Leaf) Name() string {
	if l.Member != "" {
		return l.Member
	}
	return l.Path
}

// Leaves returns the leaf members of the archive at path in order, with
// nested archives flattened.
func Leaves(path string) ([]Leaf, error) {
	var f flattener
	return f.archive(path, nil)
}

// Collect turns a list of inputs into leaves, in order: an archive
// contributes its leaves, any other file is a leaf itself.
func Collect(inputs []string) ([]Leaf, error) {
	var f flattener
	var leaves []Leaf
	for _, in := range inputs {
		isArchive, size, err := sniff(in)
		if err != nil {
			return nil, err
		}
		if !isArchive {
			leaves = append(leaves, Leaf{Path: in, Size: size})
			continue
		}
		got, err := f.archive(in, nil)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, got...)
	}
	return leaves, nil
}

type flattener struct {
	// parsed caches normal archives that thin archives point into.
	parsed map[string]*Archive
}

// archive flattens the archive at path; stack holds the archives being
// flattened around it.
func (f *flattener) archive(path string, stack []string) ([]Leaf, error) {
	key := filepath.Clean(path)
	for _, s := range stack {
		if s == key {
			return nil, fmt.Errorf("archive %s: contains itself (through %s)", path, strings.Join(stack, " -> "))
		}
	}
	if len(stack) >= maxDepth {
		return nil, fmt.Errorf("archive %s: nested more than %d deep", path, maxDepth)
	}
	stack = append(stack, key)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading archive: %w", err)
	}
	a, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	var leaves []Leaf
	if a.Kind == Normal {
		for _, m := range a.Members {
			leaves = append(leaves, Leaf{Path: path, Member: m.Name, Size: m.Size, HeaderOffset: m.HeaderOffset, nameFieldEnd: m.nameFieldEnd})
		}
		return leaves, nil
	}
	for _, m := range a.Members {
		member := memberPath(path, m.Name)
		if m.NestedOffset != 0 {
			leaf, err := f.nested(path, member, m.NestedOffset)
			if err != nil {
				return nil, err
			}
			leaves = append(leaves, leaf)
			continue
		}
		isArchive, _, err := sniff(member)
		if err != nil {
			return nil, fmt.Errorf("archive %s: member %s: %w", path, m.Name, err)
		}
		if !isArchive {
			leaves = append(leaves, Leaf{Path: member, Size: m.Size})
			continue
		}
		got, err := f.archive(member, stack)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, got...)
	}
	return leaves, nil
}

// nested resolves a thin archive's "/N:M" member: the member whose header is
// at offset in the normal archive at path.
func (f *flattener) nested(thin, path string, offset int64) (Leaf, error) {
	a, ok := f.parsed[path]
	if !ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return Leaf{}, fmt.Errorf("archive %s: reading nested archive: %w", thin, err)
		}
		a, err = Parse(path, data)
		if err != nil {
			return Leaf{}, fmt.Errorf("archive %s: nested archive: %w", thin, err)
		}
		if f.parsed == nil {
			f.parsed = map[string]*Archive{}
		}
		f.parsed[path] = a
	}
	if a.Kind != Normal {
		return Leaf{}, fmt.Errorf("archive %s: member %s:%d points into a thin archive", thin, path, offset)
	}
	for _, m := range a.Members {
		if m.HeaderOffset == offset {
			return Leaf{Path: path, Member: m.Name, Size: m.Size, HeaderOffset: offset, nameFieldEnd: m.nameFieldEnd}, nil
		}
	}
	return Leaf{}, fmt.Errorf("archive %s: no member header at offset %d of %s", thin, offset, path)
}

// memberPath joins a thin archive member's stored name to the archive's
// directory, as GNU ar does: the archive path's prefix up to its last slash,
// unless the name is absolute.
func memberPath(archive, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return archive[:strings.LastIndexByte(archive, '/')+1] + name
}

// sniff tells whether the file at path is an archive; for other files it
// returns their size.
func sniff(path string) (isArchive bool, size int64, err error) {
	file, err := os.Open(path)
	if err != nil {
		return false, 0, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return false, 0, err
	}
	if info.IsDir() {
		return false, 0, fmt.Errorf("%s: is a directory", path)
	}
	var magic [len(Magic)]byte
	if _, err := io.ReadFull(file, magic[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, info.Size(), nil
		}
		return false, 0, fmt.Errorf("%s: %w", path, err)
	}
	if m := string(magic[:]); m == Magic || m == ThinMagic {
		return true, 0, nil
	}
	return false, info.Size(), nil
}
