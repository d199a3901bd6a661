package elf

import (
	"slices"
	"strings"
)

// strtab builds an ELF string table laid out as GNU bfd lays out the tables
// it writes, so that our objects can be byte-identical to ld's and
// objcopy's: offset 0 holds the empty string, equal strings are stored
// once, a string that ends another string is stored inside it, and the
// remaining strings follow in the order they were added.
type strtab struct {
	strs []string // distinct non-empty strings, in the order added
}

// add records s; its offset is known after layout.
func (t *strtab) add(s string) {
	if s != "" && !slices.Contains(t.strs, s) {
		t.strs = append(t.strs, s)
	}
}

// layout returns the table's bytes and the offset of every added string.
func (t *strtab) layout() ([]byte, map[string]uint32) {
	// Sort by the reversed string, so that a string sits right before the
	// strings it ends (a shorter string first), then walk from the back:
	// each string that ends the last kept string is merged into it. This
	// is the order bfd uses; it decides which merges happen when several
	// would be possible.
	sorted := slices.Clone(t.strs)
	slices.SortFunc(sorted, compareReversed)
	host := make(map[string]string) // merged string -> the string holding it
	var keep string
	for i := len(sorted) - 1; i >= 0; i-- {
		s := sorted[i]
		if len(keep) > len(s) && strings.HasSuffix(keep, s) {
			host[s] = keep
		} else {
			keep = s
		}
	}

	data := []byte{0}
	offsets := map[string]uint32{"": 0}
	for _, s := range t.strs {
		if _, merged := host[s]; !merged {
			offsets[s] = uint32(len(data))
			data = append(data, s...)
			data = append(data, 0)
		}
	}
	for s, h := range host {
		offsets[s] = offsets[h] + uint32(len(h)-len(s))
	}
	return data, offsets
}

// compareReversed compares a and b as if both were written backwards, with
// a string before any longer string it ends.
func compareReversed(a, b string) int {
	for i, j := len(a)-1, len(b)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if a[i] != b[j] {
			return int(a[i]) - int(b[j])
		}
	}
	return len(a) - len(b)
}
