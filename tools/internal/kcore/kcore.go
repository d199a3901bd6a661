// Package kcore reads what a running kernel carries in its image, from
// inside the guest: symbol addresses from /proc/kallsyms and bytes from
// /proc/kcore (an ELF core file whose PT_LOAD segments map kernel virtual
// addresses). The boot tests use it to check the fips140 module that
// vmlinux embeds, as the seed's loader would.
package kcore

import (
	"bufio"
	"crypto/hmac"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
)

// Symbols reads the addresses of the wanted symbols from a /proc/kallsyms
// listing ("ADDR TYPE NAME [MODULE]" lines). Every wanted symbol must be
// there exactly once, with a non-zero address (kallsyms shows zeros to
// users without CAP_SYSLOG, or with kptr_restrict).
func Symbols(name string, r io.Reader, wanted ...string) (map[string]uint64, error) {
	want := map[string]bool{}
	for _, w := range wanted {
		want[w] = true
	}
	found := map[string]uint64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || !want[f[2]] || len(f) > 3 {
			continue
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad address %q", name, line, f[0])
		}
		if _, dup := found[f[2]]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", name, line, f[2])
		}
		if addr == 0 {
			return nil, fmt.Errorf("%s:%d: %s has address 0 (kallsyms hides addresses: run as root with kernel.kptr_restrict=0)", name, line, f[2])
		}
		found[f[2]] = addr
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, w := range wanted {
		if _, ok := found[w]; !ok {
			return nil, fmt.Errorf("%s: no symbol %s (is the kernel built with CONFIG_KALLSYMS_ALL and the module embedded?)", name, w)
		}
	}
	return found, nil
}

// Memory is a kernel's memory as /proc/kcore presents it.
type Memory struct {
	name  string
	r     io.ReaderAt
	loads []*elf.Prog
}

// Open reads the program headers of a /proc/kcore-like ELF core file.
func Open(name string, r io.ReaderAt) (*Memory, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if f.Type != elf.ET_CORE {
		return nil, fmt.Errorf("%s: ELF type %v, want a core file (ET_CORE)", name, f.Type)
	}
	m := &Memory{name: name, r: r}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			m.loads = append(m.loads, p)
		}
	}
	return m, nil
}

// Read returns the bytes at kernel virtual addresses [start, end).
func (m *Memory) Read(start, end uint64) ([]byte, error) {
	if end < start {
		return nil, fmt.Errorf("%s: range %#x-%#x ends before it starts", m.name, start, end)
	}
	if end-start > 1<<30 {
		return nil, fmt.Errorf("%s: range %#x-%#x is larger than 1 GiB", m.name, start, end)
	}
	for _, p := range m.loads {
		if start >= p.Vaddr && end <= p.Vaddr+p.Filesz && p.Vaddr+p.Filesz >= p.Vaddr {
			buf := make([]byte, end-start)
			if _, err := m.r.ReadAt(buf, int64(p.Off+(start-p.Vaddr))); err != nil && !(errors.Is(err, io.EOF) && end == start) {
				return nil, fmt.Errorf("%s: reading %#x-%#x: %w", m.name, start, end, err)
			}
			return buf, nil
		}
	}
	return nil, fmt.Errorf("%s: no segment maps %#x-%#x", m.name, start, end)
}

// Bounds names the symbols around one embedded blob.
type Bounds struct{ Start, End string }

// The blobs vmlinux_with_fips140 embeds (link.EmbeddedKinds holds the
// whole table; a test keeps the two equal).
var (
	Module  = Bounds{"_binary_fips140_ko_start", "_binary_fips140_ko_end"}
	Digest  = Bounds{"_binary_fips140_hmac_start", "_binary_fips140_hmac_end"}
	NonFIPS = Bounds{"_binary_nonfips140_ko_start", "_binary_nonfips140_ko_end"}
)

// Blob reads one embedded blob.
func (m *Memory) Blob(syms map[string]uint64, b Bounds) ([]byte, error) {
	return m.Read(syms[b.Start], syms[b.End])
}

// CheckDigest checks the embedded module against the embedded digest with
// the key, as the seed's loader does before it loads the module.
func CheckDigest(module, digest, key []byte) error {
	if len(digest) != integrity.Size {
		return fmt.Errorf("the embedded digest is %d bytes, want %d", len(digest), integrity.Size)
	}
	if len(module) == 0 {
		return errors.New("the embedded module is empty")
	}
	if got := integrity.SumBytes(module, key); !hmac.Equal(got, digest) {
		return fmt.Errorf("%w: HMAC-SHA256 of the embedded module is %x, the embedded digest is %x", integrity.ErrMismatch, got, digest)
	}
	return nil
}
