package kbuild

import (
	"fmt"
	"strings"
)

// ParseTerms reads a conjunction written as Cond.Terms writes it: each
// term SYM=v1|v2 with values y, m and n (without CONFIG_).
func ParseTerms(terms []string) (Cond, error) {
	c := Cond{}
	for _, t := range terms {
		sym, vals, ok := strings.Cut(strings.TrimSpace(t), "=")
		sym = strings.TrimPrefix(sym, "CONFIG_")
		if !ok || sym == "" || strings.ContainsAny(sym, " \t$()|=") {
			return nil, fmt.Errorf("%q: want SYM=v with v one or more of y, m, n joined by |", t)
		}
		var v Values
		for _, x := range strings.Split(vals, "|") {
			switch x {
			case "y":
				v |= Y
			case "m":
				v |= M
			case "n":
				v |= N
			default:
				return nil, fmt.Errorf("%q: value %q is not y, m or n", t, x)
			}
		}
		if old, dup := c[sym]; dup {
			v &= old
			if v == 0 {
				return nil, fmt.Errorf("%q contradicts an earlier term for %s", t, sym)
			}
		}
		c[sym] = v
	}
	for s, v := range c {
		if v == all {
			delete(c, s)
		}
	}
	return c, nil
}

// Assume restricts d to the configurations in which a holds (say, ARM=n
// for a tree built only for x86 and arm64): what needs a value a excludes
// is left out (objects, parts, subdirectories), and terms a implies are
// dropped from the conditions. An object or subdirectory whose contents
// or conditions depended on a carries a's terms for those symbols in its
// Cond, so that a configuration outside a builds nothing from it rather
// than the wrong thing.
func (d *Dir) Assume(a Cond) {
	if len(a) == 0 {
		return
	}
	var objects []Object
	for _, o := range d.Objects {
		if !kbuildPossible(o.Symbol, a) {
			continue
		}
		cond, relied, ok := restrict(o.Cond, a)
		if !ok {
			continue
		}
		var parts []Part
		for _, p := range o.Parts {
			pc, pr, ok := restrict(p.Cond, a)
			for s, v := range pr {
				relied[s] = v
			}
			if !kbuildPossible(p.Kbuild, a) {
				relied[p.Kbuild] = a[p.Kbuild]
				continue
			}
			if !ok {
				continue
			}
			p.Cond = pc
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			continue
		}
		o.Parts = parts
		o.Cond, _ = cond.And(relied) // relied holds a's values, which cond allows
		objects = append(objects, o)
	}
	d.Objects = objects
	var subdirs []Subdir
	for _, s := range d.Subdirs {
		if !kbuildPossible(s.Symbol, a) {
			continue
		}
		cond, relied, ok := restrict(s.Cond, a)
		if !ok {
			continue
		}
		s.Cond, _ = cond.And(relied)
		subdirs = append(subdirs, s)
	}
	d.Subdirs = subdirs
}

// kbuildPossible reports whether a kbuild list entry x-$(CONFIG_sym) can
// hold under a: sym can be y or m. An entry of x-y (sym "") always can.
func kbuildPossible(sym string, a Cond) bool {
	v, ok := a[sym]
	return sym == "" || !ok || v&(Y|M) != 0
}

// restrict returns c under a without the terms a implies, and a's terms
// for the symbols c names (what the result relies on); false when c
// cannot hold under a.
func restrict(c, a Cond) (Cond, Cond, bool) {
	relied := Cond{}
	for s := range c {
		if v, ok := a[s]; ok {
			relied[s] = v
		}
	}
	full, ok := c.And(a)
	if !ok {
		return nil, relied, false
	}
	out := Cond{}
	for s := range c {
		if v, ok := full[s]; ok && v != a[s] {
			out[s] = v
		}
	}
	return out, relied, true
}
