package kbuild

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Dir is what one Kbuild Makefile builds, in link order.
type Dir struct {
	File    string
	Objects []Object
	Subdirs []Subdir
	// CCFlags and ASFlags are ccflags-y and asflags-y: for every C or
	// assembler source of the directory.
	CCFlags, ASFlags []string
	// Generated are the sources that make rules of the Makefile write
	// (a perlasm .S from its .pl): not modelled, but named when an
	// object needs one.
	Generated []Generated
	Diags     []Diagnostic
}

// Generated is a source a make rule's recipe writes.
type Generated struct {
	Name string   // relative to the directory: "arm64/sha256-core.S"
	From []string // the rule's prerequisites, $(src)/ and $(obj)/ dropped
	Line int
}

// GeneratedSource returns the rule that writes stem.c or stem.S.
func (d *Dir) GeneratedSource(stem string) (Generated, bool) {
	for _, g := range d.Generated {
		if g.Name == stem+".c" || g.Name == stem+".S" {
			return g, true
		}
	}
	return Generated{}, false
}

// generated reads the sources that rules with a recipe write into $(obj).
func generated(rules []Rule) []Generated {
	var out []Generated
	for _, r := range rules {
		if !r.Recipe {
			continue
		}
		var from []string
		for _, p := range r.Prereqs {
			if p == "FORCE" {
				continue
			}
			if rel, ok := dirRelative(p); ok {
				p = rel
			}
			from = append(from, p)
		}
		for _, t := range r.Targets {
			rel, ok := dirRelative(t)
			if !ok || (!strings.HasSuffix(rel, ".c") && !strings.HasSuffix(rel, ".S")) {
				continue
			}
			out = append(out, Generated{Name: rel, From: from, Line: r.Line})
		}
	}
	return out
}

// dirRelative strips kbuild's $(obj)/ or $(src)/ from a path.
func dirRelative(p string) (string, bool) {
	for _, prefix := range []string{"$(obj)/", "$(src)/"} {
		if rel, ok := strings.CutPrefix(p, prefix); ok && rel != "" && !strings.Contains(rel, "$") {
			return rel, true
		}
	}
	return "", false
}

// Object is one `<var>-$(CONFIG_X) += name.o` entry.
type Object struct {
	Name string // the stem: "crypto_skcipher" for crypto_skcipher.o
	Var  string // the list it is in: "obj" or "crypto-objs"
	// Symbol is X, without CONFIG_; "" for an object in <var>-y.
	Symbol string
	// Cond holds the enclosing ifeq/ifdef conditions.
	Cond      Cond
	Composite bool
	// Parts are a composite's parts in link order; a single object has
	// one part named like the object.
	Parts []Part
	Line  int
}

// Part is one source of an object.
type Part struct {
	Name string // the stem, possibly with a directory: "arm64/aes-ce"
	// Kbuild is Y of `name-$(CONFIG_Y) += part.o`: the part is there when
	// Y=y, and when Y=m if the object is a module.
	Kbuild string
	Cond   Cond
	// CFlags, CFlagsRemove and AFlags are CFLAGS_part.o,
	// CFLAGS_REMOVE_part.o and AFLAGS_part.o.
	CFlags, CFlagsRemove, AFlags []string
	Line                         int
}

// Subdir is `<var>-$(CONFIG_X) += dir/`.
type Subdir struct {
	Name   string
	Var    string
	Symbol string
	Cond   Cond
	Line   int
}

// kbuildList returns "obj" for obj-y and obj-m, "crypto-objs" for
// crypto-objs-y and crypto-objs-m.
func kbuildList(name string) (string, bool) {
	for _, l := range []string{"obj", "crypto-objs"} {
		if name == l+"-y" || name == l+"-m" {
			return l, true
		}
	}
	return "", false
}

// ignored are variables that build nothing the model needs.
func ignored(name string) bool {
	return name == "clean-files" || name == "targets" || strings.HasSuffix(name, "-")
}

// Model reads what e's Makefile builds from the lists named vars (e.g.
// "obj", "crypto-objs"); other variables it does not read become
// diagnostics.
func Model(e *Eval, vars []string) *Dir {
	d := &Dir{File: e.File, Generated: generated(e.Rules), Diags: append([]Diagnostic(nil), e.Diags...)}
	consumed := map[string]bool{}
	objects := map[string]bool{}
	for _, v := range vars {
		for _, item := range pairs(e, v, consumed) {
			if strings.HasSuffix(item.text, "/") {
				d.Subdirs = append(d.Subdirs, Subdir{Name: strings.TrimSuffix(item.text, "/"), Var: v, Symbol: item.symbol, Cond: item.cond, Line: item.line})
				continue
			}
			stem, ok := strings.CutSuffix(item.text, ".o")
			if !ok {
				d.diag(item.line, "%s-...: %q is neither an object (.o) nor a directory (/); not modelled", v, item.text)
				continue
			}
			if item.err != "" {
				d.diag(item.line, "%s: %s", item.text, item.err)
			}
			if objects[stem] {
				d.diag(item.line, "%s is listed more than once; only the first entry is modelled", item.text)
				continue
			}
			objects[stem] = true
			d.Objects = append(d.Objects, d.object(e, v, stem, item, consumed))
		}
	}
	d.flags(e, consumed)
	for _, name := range e.Order {
		if consumed[name] || e.Used[name] || ignored(name) {
			continue
		}
		if strings.HasPrefix(name, "cmd_") || strings.HasPrefix(name, "quiet_cmd_") {
			continue // reported with the rule that runs it
		}
		if list, ok := kbuildList(name); ok && !slices.Contains(vars, list) {
			d.diag(e.Vars[name].Line, "%s: not one of the lists read (%s); its entries are not crypto objects", name, strings.Join(vars, ", "))
			continue
		}
		d.diag(e.Vars[name].Line, "variable %s is not modelled", name)
	}
	sort.SliceStable(d.Diags, func(i, j int) bool { return d.Diags[i].Line < d.Diags[j].Line })
	return d
}

func (d *Dir) diag(line int, format string, args ...any) {
	d.Diags = append(d.Diags, Diagnostic{File: d.File, Line: line, EndLine: line, Msg: fmt.Sprintf(format, args...)})
}

// item is one word of a kbuild list with its y/m occurrences paired up.
type item struct {
	text   string
	symbol string // the kbuild symbol; "" when always in -y
	cond   Cond
	line   int
	err    string
}

// pairs reads prefix-y, prefix-m (and, for composites, prefix-objs) and
// recognises `prefix-$(CONFIG_X) += word`: word in -y under X=y ∧ c and in
// -m under X=m ∧ c.
func pairs(e *Eval, prefix string, consumed map[string]bool, extra ...string) []item {
	type occ struct {
		module bool
		cond   Cond
		line   int
	}
	occs := map[string][]occ{}
	var order []string
	for _, suffix := range append(extra, "-y", "-m") {
		name := prefix + suffix
		v := e.Vars[name]
		if v == nil {
			continue
		}
		consumed[name] = true
		for _, w := range v.Words {
			if _, ok := occs[w.Text]; !ok {
				order = append(order, w.Text)
			}
			occs[w.Text] = append(occs[w.Text], occ{suffix == "-m", w.Cond, w.Line})
		}
	}
	consumed[prefix+"-"] = true
	var out []item
	for _, text := range order {
		list := occs[text]
		it := item{text: text, line: list[0].line}
		var ys, ms []occ
		for _, o := range list {
			if o.module {
				ms = append(ms, o)
			} else {
				ys = append(ys, o)
			}
		}
		found := false
		for _, y := range ys {
			if len(y.cond) == 0 {
				it.cond, found = Cond{}, true
				break
			}
		}
		for _, y := range ys {
			if found {
				break
			}
			for sym, v := range y.cond {
				if v != Y {
					continue
				}
				want, _ := y.cond.And(Cond{})
				want[sym] = M
				for _, m := range ms {
					if m.cond.equal(want) {
						rest, _ := y.cond.And(Cond{})
						delete(rest, sym)
						it.symbol, it.cond, it.line, found = sym, rest, y.line, true
						break
					}
				}
				if found {
					break
				}
			}
		}
		if !found {
			switch {
			case len(ys) > 0:
				it.cond, it.line = ys[0].cond, ys[0].line
			default:
				it.cond, it.line = ms[0].cond, ms[0].line
				it.err = "only ever in a -m list; modelled as if in -y"
			}
			if len(list) > 1 {
				it.err = strings.TrimPrefix(it.err+"; listed under several conditions, only the first is modelled", "; ")
			}
		} else if len(list) > 2 || (len(list) == 2 && it.symbol == "") {
			it.err = "listed under several conditions; the one that builds it is modelled"
		}
		out = append(out, it)
	}
	return out
}

func (d *Dir) object(e *Eval, v, stem string, it item, consumed map[string]bool) Object {
	o := Object{Name: stem, Var: v, Symbol: it.symbol, Cond: it.cond, Line: it.line}
	parts := pairs(e, stem, consumed, "-objs")
	if len(parts) == 0 {
		o.Parts = []Part{{Name: stem, Line: it.line}}
		return o
	}
	o.Composite = true
	for _, p := range parts {
		name, ok := strings.CutSuffix(p.text, ".o")
		if !ok {
			d.diag(p.line, "%s: part %q is not an object; not modelled", stem, p.text)
			continue
		}
		if p.err != "" {
			d.diag(p.line, "%s: part %s: %s", stem, p.text, p.err)
		}
		o.Parts = append(o.Parts, Part{Name: name, Kbuild: p.symbol, Cond: p.cond, Line: p.line})
	}
	return o
}

// flags attaches per-file and directory-wide flags.
func (d *Dir) flags(e *Eval, consumed map[string]bool) {
	read := func(name string) []string {
		v := e.Vars[name]
		if v == nil {
			return nil
		}
		consumed[name] = true
		var out []string
		for _, w := range v.Words {
			if len(w.Cond) > 0 {
				d.diag(w.Line, "%s: %s only under %s; conditional flags are not modelled", name, w.Text, w.Cond)
				continue
			}
			out = append(out, w.Text)
		}
		return out
	}
	d.CCFlags = read("ccflags-y")
	d.ASFlags = read("asflags-y")
	for i := range d.Objects {
		for j := range d.Objects[i].Parts {
			p := &d.Objects[i].Parts[j]
			p.CFlags = read("CFLAGS_" + p.Name + ".o")
			p.CFlagsRemove = read("CFLAGS_REMOVE_" + p.Name + ".o")
			p.AFlags = read("AFLAGS_" + p.Name + ".o")
		}
	}
}
