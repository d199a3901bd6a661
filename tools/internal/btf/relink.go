package btf

import (
	"fmt"
	"io"
	"os"
)

// RelinkModule is one module whose BTF was embedded in vmlinux: First is
// the BTF made against the first link (FirstBase), the bytes vmlinux embeds.
type RelinkModule struct {
	Name   string // e.g. "fips140" or "nonfips140", for messages
	Module string // the .ko
	First  string // its BTF as embedded (raw, as split -btf writes it)
}

// RelinkResult is one module's BTF made again against the relinked vmlinux
// and compared with the embedded one.
type RelinkResult struct {
	RelinkModule
	Diff *Diff
}

// CheckRelink makes each module's BTF again against the relinked vmlinux
// and compares it with the BTF that was made against the first link and
// embedded, as the seed series does after its relink. firstBase is the
// first link; relinked is the vmlinux that embeds the BTF.
func (s Splitter) CheckRelink(firstBase, relinked string, mods []RelinkModule) ([]RelinkResult, error) {
	first, err := LoadBase(firstBase)
	if err != nil {
		return nil, err
	}
	var results []RelinkResult
	for _, m := range mods {
		raw, err := os.ReadFile(m.First)
		if err != nil {
			return nil, fmt.Errorf("%s: reading the embedded BTF of %s: %w", m.First, m.Name, err)
		}
		a, err := Load(m.First, raw, first)
		if err != nil {
			return nil, err
		}
		again, err := s.Split(m.Module, relinked)
		if err != nil {
			return nil, err
		}
		again.Types.Name = m.Module + " .BTF against " + relinked
		results = append(results, RelinkResult{m, Compare(a, again.Types, raw, again.BTF)})
	}
	return results, nil
}

// Differs reports whether any module's BTF changed with the relink.
func Differs(results []RelinkResult) bool {
	for _, r := range results {
		if !r.Diff.Identical {
			return true
		}
	}
	return false
}

// ReportRelink writes, for each module, whether its BTF survived the relink
// and, where not, how it differs. A difference is reported in the seed's
// words: "Module BTF differs".
func ReportRelink(w io.Writer, results []RelinkResult) {
	for _, r := range results {
		if r.Diff.Identical {
			fmt.Fprintf(w, "%s: module BTF identical after the relink (%d bytes, %d types)\n", r.Name, r.Diff.A.Size, r.Diff.A.Count())
			continue
		}
		fmt.Fprintf(w, "%s: Module BTF differs after the relink (%s)\n", r.Name, r.Module)
		r.Diff.Report(w)
	}
}
