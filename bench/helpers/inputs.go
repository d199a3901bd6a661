package main

import (
	"bufio"
	"bytes"
	delf "debug/elf"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// moduleSeed seeds the pseudo-random module, so every run hashes and
// embeds the same bytes.
func moduleSeed() [32]byte {
	var seed [32]byte
	copy(seed[:], "rules_fips140 bench module seed")
	return seed
}

// hmacKey is an 84-character key, above the 80-character minimum, with no
// character a shell or .config would quote.
const hmacKey = "bench-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"

// writeModule writes size pseudo-random bytes (ChaCha8, fixed seed) to path
// unless a file of that size is already there.
func writeModule(path string, size int64) error {
	if st, err := os.Stat(path); err == nil && st.Size() == size {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	rng := rand.NewChaCha8(moduleSeed())
	buf := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(buf)) {
		chunk := buf[:min(int64(len(buf)), left)]
		rng.Read(chunk)
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// objectPath is where archive member i goes: 40 subsystems of three parts,
// so that paths look like a kernel tree's.
func objectPath(i int) string {
	return fmt.Sprintf("drivers/subsys%02d/part%d/object_number_%04d.o", i%40, i%3, i)
}

// writeObjects writes n small x86_64 ELF objects under dir, each holding a
// blob of 64 to 575 bytes as `ld -r -b binary` would (made by our embed
// helper, which makes the same bytes), and returns their paths relative to
// dir, in order.
func writeObjects(dir, embed string, n int) ([]string, error) {
	var paths []string
	blob := filepath.Join(dir, "blob.bin")
	for i := range n {
		rel := objectPath(i)
		if err := writeFile(blob, bytes.Repeat([]byte{byte(i)}, 64+i%512)); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(rel), ".o") + ".bin"
		if err := runIn(dir, []string{embed, "-arch", "x86_64", "-in", "blob.bin", "-name", name, "-out", rel}); err != nil {
			return nil, fmt.Errorf("making %s: %w", rel, err)
		}
		paths = append(paths, rel)
	}
	return paths, os.Remove(blob)
}

// maxModulePairs is the number of distinct exporter names renameSymbols
// can make (seven digits).
const maxModulePairs = 9_999_999

// templatePrefix is the prefix of every symbol exporter.o exports and
// user.o imports; renameSymbols replaces it with one of the same length.
const templatePrefix = "exporter_"

// pairPrefix is the replacement of templatePrefix in pair i.
func pairPrefix(i int) string { return fmt.Sprintf("x%07d_", i) }

// renameSymbols returns a copy of the object obj with every occurrence of
// old in its .strtab replaced by new, of the same length so that no offset
// moves. (The assembler shares string tails, so one replacement can rename
// both `sym` and `__export_symbol_sym`.) It fails unless afterwards some
// symbol names hold new and none holds old.
func renameSymbols(obj []byte, old, new string) ([]byte, error) {
	if len(old) != len(new) {
		return nil, fmt.Errorf("%q and %q differ in length", old, new)
	}
	f, err := delf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return nil, err
	}
	sec := f.Section(".strtab")
	if sec == nil || sec.Type != delf.SHT_STRTAB || sec.Offset+sec.Size > uint64(len(obj)) {
		return nil, fmt.Errorf("no usable .strtab")
	}
	out := bytes.Clone(obj)
	tab := out[sec.Offset : sec.Offset+sec.Size]
	copy(tab, bytes.ReplaceAll(tab, []byte(old), []byte(new)))

	f, err = delf.NewFile(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	renamed := 0
	for _, s := range syms {
		if strings.Contains(s.Name, old) {
			return nil, fmt.Errorf("symbol %q still holds %q", s.Name, old)
		}
		if strings.Contains(s.Name, new) {
			renamed++
		}
	}
	if renamed == 0 {
		return nil, fmt.Errorf("no symbol holds %q", old)
	}
	return out, nil
}

// modpostInputs are the objects of one modpost run.
type modpostInputs struct {
	order      []string // object paths in modules.order order
	exporters  int
	exportsPer int // exports of each exporter
}

// writeModpostObjects writes pairs exporter/user module objects under dir,
// made from the templates exporter.o and user.o in tmplDir: exporter i
// exports templatePrefix's symbols renamed to pairPrefix(i) (five exports,
// two GPL-only, two in namespaces), and friend i imports three of them, so
// each module is distinct, every export is unique, and each friend depends
// on its exporter. Friends are named friendNNNN so that exporter's
// `module:user,friend*` namespace admits them. It also writes
// modules.order.
func writeModpostObjects(dir, tmplDir string, pairs int) (modpostInputs, error) {
	in := modpostInputs{exporters: pairs}
	exporter, err := os.ReadFile(filepath.Join(tmplDir, "exporter.o"))
	if err != nil {
		return in, err
	}
	user, err := os.ReadFile(filepath.Join(tmplDir, "user.o"))
	if err != nil {
		return in, err
	}
	for i := range pairs {
		sub := fmt.Sprintf("drivers/subsys%02d", i%40)
		for _, m := range []struct {
			tmpl []byte
			name string
		}{
			{exporter, fmt.Sprintf("%s/exporter%04d.o", sub, i)},
			{user, fmt.Sprintf("%s/friend%04d.o", sub, i)},
		} {
			obj, err := renameSymbols(m.tmpl, templatePrefix, pairPrefix(i))
			if err != nil {
				return in, fmt.Errorf("making %s from %s: %w", m.name, tmplDir, err)
			}
			if err := writeFile(filepath.Join(dir, m.name), obj); err != nil {
				return in, err
			}
			in.order = append(in.order, m.name)
		}
	}
	in.exportsPer = 5
	return in, writeFile(filepath.Join(dir, "modules.order"), []byte(strings.Join(in.order, "\n")+"\n"))
}

// writeVmlinuxSymvers writes a Module.symvers for vmlinux: head (lines of
// exports the module objects use) and n synthetic exports, as Debian's
// headers have them: about a third EXPORT_SYMBOL_GPL, a few in
// namespaces. Export i's CRC is crc(i); Debian's headers, built without
// MODVERSIONS, have 0 everywhere.
func writeVmlinuxSymvers(path string, head []byte, n int, crc func(int) uint32) error {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	for i := range n {
		kind, ns := "EXPORT_SYMBOL", ""
		if i%3 == 0 {
			kind = "EXPORT_SYMBOL_GPL"
		}
		if i%50 == 0 {
			ns = fmt.Sprintf("NS_%d", i%7)
		}
		fmt.Fprintf(w, "0x%08x\tkernel_symbol_%05d\tvmlinux\t%s\t%s\n", crc(i), i, kind, ns)
		if i == n/2 {
			w.Write(head)
		}
	}
	if n == 0 {
		w.Write(head)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return writeFile(path, b.Bytes())
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
