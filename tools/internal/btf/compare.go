package btf

import (
	"bytes"
	"fmt"
	"io"

	ebtf "github.com/cilium/ebpf/btf"
)

// Diff is how two BTF blobs differ.
type Diff struct {
	A, B *Types
	// Identical: the blobs are the same bytes.
	Identical bool
	// At is the index (0 for each blob's first type) of the first type
	// that differs, or -1 when every type is the same (the blobs may
	// still differ in their encoding, e.g. in their string tables).
	At int
}

// Compare compares two decoded blobs type by type, the Nth type of one
// with the Nth type of the other. Types refer to the blob's own types
// relative to its first ID, so blobs split on bases of different sizes
// compare as equal when their own types are.
func Compare(a, b *Types, rawA, rawB []byte) *Diff {
	d := &Diff{A: a, B: b, Identical: bytes.Equal(rawA, rawB), At: -1}
	if d.Identical {
		return d
	}
	for i := 0; i < max(a.Count(), b.Count()); i++ {
		if a.describeNth(i, true) != b.describeNth(i, true) {
			d.At = i
			break
		}
	}
	return d
}

// describeNth describes the blob's Nth own type, "" if it has fewer.
func (t *Types) describeNth(n int, own bool) string {
	if n >= t.Count() {
		return ""
	}
	return t.describe(t.First+ebtf.TypeID(n), own)
}

// Report writes d for a person: sizes and type counts, then where the blobs
// first differ.
func (d *Diff) Report(w io.Writer) {
	for _, t := range []*Types{d.A, d.B} {
		fmt.Fprintf(w, "%s: %d bytes, %d types", t.Name, t.Size, t.Count())
		if t.Count() > 0 {
			fmt.Fprintf(w, " (ids %d..%d)", t.First, t.Last)
		}
		if t.Base != nil {
			fmt.Fprintf(w, " on base %s", t.Base.Name)
		}
		fmt.Fprintln(w)
	}
	switch {
	case d.Identical:
		fmt.Fprintln(w, "BTF identical")
	case d.At < 0:
		fmt.Fprintln(w, "BTF differs: the types are the same, their encoding differs (e.g. the string table)")
	default:
		fmt.Fprintf(w, "BTF differs: first at type %d of %d and %d\n", d.At, d.A.Count(), d.B.Count())
		for _, t := range []*Types{d.A, d.B} {
			desc := "(no such type)"
			if d.At < t.Count() {
				desc = fmt.Sprintf("id %d: %s", t.First+ebtf.TypeID(d.At), t.describeNth(d.At, false))
			}
			fmt.Fprintf(w, "  %s: %s\n", t.Name, desc)
		}
	}
}
