package kbuild

import (
	"sort"
	"strings"
)

// A CONFIG symbol's value as make sees it in auto.conf: y, m, or unset
// (n, the empty string). String and int symbols are not modelled.
const (
	Y = 1 << iota
	M
	N
	all = Y | M | N
)

// Values is a set of tristate values.
type Values uint8

func (v Values) String() string {
	var parts []string
	for _, x := range []struct {
		bit Values
		s   string
	}{{Y, "y"}, {M, "m"}, {N, "n"}} {
		if v&x.bit != 0 {
			parts = append(parts, x.s)
		}
	}
	return strings.Join(parts, "|")
}

func valueOf(s string) Values {
	switch s {
	case "y":
		return Y
	case "m":
		return M
	case "":
		return N
	}
	return 0
}

// Cond is a conjunction: each named symbol (without CONFIG_) has one of the
// given values. The empty Cond is always true; a nil map too.
type Cond map[string]Values

// And returns c ∧ d, and false when it can never hold.
func (c Cond) And(d Cond) (Cond, bool) {
	out := make(Cond, len(c)+len(d))
	for s, v := range c {
		out[s] = v
	}
	for s, v := range d {
		if old, ok := out[s]; ok {
			v &= old
		}
		if v == 0 {
			return nil, false
		}
		out[s] = v
	}
	for s, v := range out {
		if v == all {
			delete(out, s)
		}
	}
	return out, true
}

// Symbols returns c's symbols, sorted.
func (c Cond) Symbols() []string {
	syms := make([]string, 0, len(c))
	for s := range c {
		syms = append(syms, s)
	}
	sort.Strings(syms)
	return syms
}

// Holds reports whether c holds for the given assignment (missing symbols
// are n).
func (c Cond) Holds(config map[string]string) bool {
	for s, v := range c {
		if v&valueOf(config[s]) == 0 {
			return false
		}
	}
	return true
}

// Terms writes c as the strings crypto_objs takes: SYM=y, SYM=y|m, ...
func (c Cond) Terms() []string {
	var out []string
	for _, s := range c.Symbols() {
		out = append(out, s+"="+c[s].String())
	}
	return out
}

func (c Cond) String() string {
	if len(c) == 0 {
		return "true"
	}
	return strings.Join(c.Terms(), " && ")
}

func (c Cond) equal(d Cond) bool {
	if len(c) != len(d) {
		return false
	}
	for s, v := range c {
		if d[s] != v {
			return false
		}
	}
	return true
}

// Not returns ¬c when it is again a conjunction (c has at most one symbol).
func (c Cond) Not() (Cond, bool) {
	switch len(c) {
	case 0:
		return nil, false // never
	case 1:
		for s, v := range c {
			return Cond{s: all &^ v}, true
		}
	}
	return nil, false
}

// assignments enumerates every assignment of syms to y, m, n.
func assignments(syms []string, f func(map[string]string)) {
	vals := []string{"y", "m", ""}
	cur := make(map[string]string, len(syms))
	var rec func(i int)
	rec = func(i int) {
		if i == len(syms) {
			f(cur)
			return
		}
		for _, v := range vals {
			cur[syms[i]] = v
			rec(i + 1)
		}
	}
	rec(0)
}

// box returns the conjunction whose assignments are exactly those over
// syms for which pred holds, or false when that set is not a product of
// per-symbol sets (a disjunction) or is empty.
func box(syms []string, pred func(map[string]string) bool) (Cond, bool) {
	proj := make(map[string]Values, len(syms))
	count := 0
	assignments(syms, func(a map[string]string) {
		if pred(a) {
			count++
			for _, s := range syms {
				proj[s] |= valueOf(a[s])
			}
		}
	})
	if count == 0 {
		return nil, false
	}
	size := 1
	for _, s := range syms {
		n := 0
		for v := proj[s]; v != 0; v &= v - 1 {
			n++
		}
		size *= n
	}
	if size != count {
		return nil, false
	}
	c := Cond{}
	for _, s := range syms {
		if proj[s] != all {
			c[s] = proj[s]
		}
	}
	return c, true
}
