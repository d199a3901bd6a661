package boot

import (
	"compress/gzip"
	"fmt"
	"io"
	"path"

	"github.com/rules-fips140/rules_fips140/tools/internal/cpio"
)

// applets are the busybox applets the /init script uses, linked in /bin.
func applets() []string {
	return []string{"cat", "dmesg", "echo", "grep", "insmod", "mount", "poweroff", "rmmod", "sh", "sleep"}
}

// GuestFile is a file to put into the initramfs.
type GuestFile struct {
	Name string // base name
	Data []byte
}

// Initramfs describes the initramfs of one boot.
type Initramfs struct {
	Busybox []byte      // a static busybox for the guest's architecture
	Init    string      // the /init script
	Modules []GuestFile // put under GuestModuleDir
	Tools   []GuestFile // extra programs, put in /bin
}

// Write writes the initramfs as a gzip-compressed newc cpio archive. The
// output depends only on the contents.
func (r Initramfs) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := r.writeCpio(zw); err != nil {
		return err
	}
	return zw.Close()
}

func (r Initramfs) writeCpio(w io.Writer) error {
	cw := cpio.NewWriter(w)
	for _, d := range []string{"bin", "dev", "proc", "sys", path.Base(GuestModuleDir)} {
		if err := cw.Dir(d, 0o755); err != nil {
			return err
		}
	}
	if err := cw.CharDev("dev/console", 0o600, 5, 1); err != nil {
		return err
	}
	if err := cw.File("bin/busybox", 0o755, r.Busybox); err != nil {
		return err
	}
	seen := map[string]bool{"busybox": true}
	for _, t := range r.Tools {
		if seen[t.Name] || path.Base(t.Name) != t.Name {
			return fmt.Errorf("initramfs: tool %q: repeated or not a base name", t.Name)
		}
		seen[t.Name] = true
		if err := cw.File("bin/"+t.Name, 0o755, t.Data); err != nil {
			return err
		}
	}
	for _, a := range applets() {
		if seen[a] {
			continue
		}
		if err := cw.Symlink("bin/"+a, "busybox"); err != nil {
			return err
		}
	}
	if err := cw.File("init", 0o755, []byte(r.Init)); err != nil {
		return err
	}
	dir := path.Base(GuestModuleDir)
	for _, m := range r.Modules {
		if path.Base(m.Name) != m.Name {
			return fmt.Errorf("initramfs: module %q is not a base name", m.Name)
		}
		if err := cw.File(dir+"/"+m.Name, 0o644, m.Data); err != nil {
			return fmt.Errorf("initramfs: %w", err)
		}
	}
	return cw.Close()
}
