// Package cpio writes cpio archives in the "newc" format the Linux kernel
// unpacks as an initramfs. The output is deterministic: inode numbers count
// up from 1 in the order entries are added, and every mtime, uid and gid is
// zero.
package cpio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Mode bits of the newc header (from <sys/stat.h>).
const (
	typeDir     = 0o040000
	typeRegular = 0o100000
	typeSymlink = 0o120000
	typeChar    = 0o020000
)

const (
	magic   = "070701"
	trailer = "TRAILER!!!"
)

// Writer adds entries to a newc archive. Every entry's parent directory must
// have been added before it, because the kernel does not create missing
// parents.
type Writer struct {
	w      io.Writer
	off    int64
	ino    uint32
	names  map[string]bool // every added name -> is it a directory
	closed bool
	err    error
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, names: map[string]bool{}}
}

// Dir adds a directory.
func (w *Writer) Dir(name string, perm fs.FileMode) error {
	return w.add(name, typeDir|uint32(perm.Perm()), 2, [2]uint32{}, nil)
}

// File adds a regular file holding data.
func (w *Writer) File(name string, perm fs.FileMode, data []byte) error {
	return w.add(name, typeRegular|uint32(perm.Perm()), 1, [2]uint32{}, data)
}

// Symlink adds a symbolic link to target.
func (w *Writer) Symlink(name, target string) error {
	if target == "" || strings.IndexByte(target, 0) >= 0 {
		return fmt.Errorf("cpio: symlink %q: bad target %q", name, target)
	}
	return w.add(name, typeSymlink|0o777, 1, [2]uint32{}, []byte(target))
}

// CharDev adds a character device node, such as dev/console (5, 1).
func (w *Writer) CharDev(name string, perm fs.FileMode, major, minor uint32) error {
	return w.add(name, typeChar|uint32(perm.Perm()), 1, [2]uint32{major, minor}, nil)
}

// Close writes the trailer. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("cpio: Close called twice")
	}
	w.closed = true
	return w.entry(trailer, 0, 1, 0, [2]uint32{}, nil)
}

func (w *Writer) add(name string, mode, nlink uint32, rdev [2]uint32, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("cpio: %s: archive is closed", name)
	}
	if err := checkName(name); err != nil {
		return err
	}
	if _, dup := w.names[name]; dup {
		return fmt.Errorf("cpio: %s: added twice", name)
	}
	if dir := path.Dir(name); dir != "." && !w.names[dir] {
		return fmt.Errorf("cpio: %s: parent directory %s was not added first", name, dir)
	}
	if uint64(len(data)) > 0xffffffff {
		return fmt.Errorf("cpio: %s: %d bytes is too large for newc", name, len(data))
	}
	w.names[name] = mode&0o170000 == typeDir
	w.ino++
	return w.entry(name, w.ino, nlink, mode, rdev, data)
}

// checkName accepts clean relative paths: the kernel joins them to /.
func checkName(name string) error {
	switch {
	case name == "" || name == ".":
		return errors.New("cpio: empty name")
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("cpio: %q: name holds a NUL byte", name)
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("cpio: %s: name must be relative", name)
	case path.Clean(name) != name:
		return fmt.Errorf("cpio: %s: name is not clean (want %s)", name, path.Clean(name))
	case name == ".." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("cpio: %s: name leaves the archive", name)
	case name == trailer:
		return fmt.Errorf("cpio: %s: name is reserved for the trailer", name)
	}
	return nil
}

func (w *Writer) entry(name string, ino, nlink, mode uint32, rdev [2]uint32, data []byte) error {
	hdr := fmt.Sprintf("%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		magic, ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name)+1, 0)
	buf := make([]byte, 0, len(hdr)+len(name)+4+len(data)+3)
	buf = append(buf, hdr...)
	buf = append(buf, name...)
	buf = append(buf, 0)
	buf = pad(buf, w.off)
	buf = append(buf, data...)
	buf = pad(buf, w.off)
	n, err := w.w.Write(buf)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("cpio: writing %s: %w", name, err)
	}
	return w.err
}

// pad appends NULs until off+len(b) is a multiple of 4.
func pad(b []byte, off int64) []byte {
	for (off+int64(len(b)))%4 != 0 {
		b = append(b, 0)
	}
	return b
}
