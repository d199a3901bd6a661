package ar

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// NameStyle says how a normal archive names its members.
type NameStyle int

const (
	// FullPath stores each member's path as given (`ar P`).
	FullPath NameStyle = iota
	// BaseName stores only the last path element (`ar` without P).
	BaseName
)

// WriteThin writes a thin archive of leaves to w, like `ar cDPrST`.
// archivePath is where the archive will live: a relative member path is
// stored relative to the archive's directory, an absolute one as is.
//
// GNU ar computes those relative paths after resolving symbolic links
// (realpath); WriteThin works lexically, so the result does not depend on
// how a sandbox links its inputs. Without symbolic links both agree, except
// that GNU ar stores a relative member path unchanged when archivePath is
// absolute, which `ar t` then cannot find unless the archive is in the
// working directory; WriteThin makes it relative to the archive's directory.
func WriteThin(w io.Writer, archivePath string, leaves []Leaf) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(leaves) == 0 {
		// GNU ar writes an empty archive with the normal magic, even with T;
		// kbuild's empty built-in.a files look like this.
		if _, err := bw.WriteString(Magic); err != nil {
			return err
		}
		return bw.Flush()
	}
	var table strings.Builder
	fields := make([]string, len(leaves))
	lastPath, lastOffset := "", 0
	for i, l := range leaves {
		// Like GNU ar, consecutive leaves with the same path (members of one
		// normal archive, or a file listed twice) share one table entry.
		if i == 0 || l.Path != lastPath {
			stored, err := storedPath(archivePath, l.Path)
			if err != nil {
				return err
			}
			lastPath, lastOffset = l.Path, table.Len()
			table.WriteString(stored)
			table.WriteString("/\n")
		}
		field := "/" + strconv.Itoa(lastOffset)
		if l.Member != "" {
			field += ":" + strconv.FormatInt(l.HeaderOffset, 10)
		}
		fields[i] = field
	}
	if table.Len()%2 == 1 {
		table.WriteByte('\n')
	}
	if _, err := bw.WriteString(ThinMagic); err != nil {
		return err
	}
	if err := writeTable(bw, table.String()); err != nil {
		return err
	}
	for i, l := range leaves {
		h, err := newHeader(fields[i], l.Size, false)
		if err != nil {
			return fmt.Errorf("%s: %w", l.Name(), err)
		}
		if l.Member != "" && len(fields[i]) < nameFieldSize {
			// GNU ar rewrites only the first 15 bytes of the name field of
			// a member it takes from a normal archive; the 16th stays.
			h[nameFieldSize-1] = l.nameFieldEnd
		}
		if _, err := bw.Write(h[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteNormal writes a normal archive of leaves to w, like `ar cDPrS` (or
// `ar cDrS` with BaseName), reading each member's data from its file.
//
// GNU ar stores a short name that contains a slash ("sub/b.o") in the header
// itself, where readers stop at the slash and see "sub". WriteNormal puts
// every name with a slash in the long-name table instead, so the archive
// reads back as written; otherwise the bytes are the same.
func WriteNormal(w io.Writer, leaves []Leaf, style NameStyle) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var table strings.Builder
	fields := make([]string, len(leaves))
	for i, l := range leaves {
		name := l.Name()
		if style == BaseName {
			name = name[strings.LastIndexByte(name, '/')+1:]
		}
		if name == "" || strings.ContainsAny(name, "\n") {
			return fmt.Errorf("%s: cannot be stored as an archive member name %q", l.Name(), name)
		}
		if len(name) <= maxShortName && !strings.Contains(name, "/") {
			fields[i] = name + "/"
			continue
		}
		fields[i] = "/" + strconv.Itoa(table.Len())
		table.WriteString(name)
		table.WriteString("/\n")
	}
	if table.Len()%2 == 1 {
		table.WriteByte('\n')
	}
	if _, err := bw.WriteString(Magic); err != nil {
		return err
	}
	if table.Len() > 0 {
		if err := writeTable(bw, table.String()); err != nil {
			return err
		}
	}
	for i, l := range leaves {
		h, err := newHeader(fields[i], l.Size, false)
		if err != nil {
			return fmt.Errorf("%s: %w", l.Name(), err)
		}
		if _, err := bw.Write(h[:]); err != nil {
			return err
		}
		if err := copyData(bw, l); err != nil {
			return err
		}
		if l.Size%2 == 1 {
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

func writeTable(w io.Writer, table string) error {
	h, err := newHeader("//", int64(len(table)), true)
	if err != nil {
		return err
	}
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err = io.WriteString(w, table)
	return err
}

// copyData copies a leaf's data: the whole file, or the member's bytes in
// its normal archive.
func copyData(w io.Writer, l Leaf) error {
	f, err := os.Open(l.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if l.Member != "" {
		r = io.NewSectionReader(f, l.HeaderOffset+headerSize, l.Size)
	}
	n, err := io.CopyN(w, r, l.Size)
	if err != nil {
		return fmt.Errorf("%s: copied %d of %d bytes: %w", l.Name(), n, l.Size, err)
	}
	return nil
}

// storedPath returns the name a thin archive at archivePath stores for the
// file at path.
func storedPath(archivePath, path string) (string, error) {
	if strings.ContainsAny(path, "\n") || path == "" {
		return "", fmt.Errorf("%q cannot be stored as an archive member name", path)
	}
	if filepath.IsAbs(path) {
		return filepath.Clean(path), nil
	}
	dir := filepath.Dir(filepath.Clean(archivePath))
	if rel, err := filepath.Rel(dir, filepath.Clean(path)); err == nil {
		return rel, nil
	}
	// The archive's directory is absolute, or climbs out of the working
	// directory ("../lib.a"): go through absolute paths.
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.Rel(absDir, absPath)
}
