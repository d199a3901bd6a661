package kbuild

import (
	"fmt"
	"strings"
)

// String writes the model in a stable, readable form (golden files, logs).
func (d *Dir) String() string {
	var b strings.Builder
	for _, o := range d.Objects {
		fmt.Fprintf(&b, "%s-%s %s.o", o.Var, symbolOrY(o.Symbol), o.Name)
		if len(o.Cond) > 0 {
			fmt.Fprintf(&b, " if %s", o.Cond)
		}
		fmt.Fprintf(&b, "  # line %d\n", o.Line)
		for _, p := range o.Parts {
			if !o.Composite && len(p.CFlags)+len(p.CFlagsRemove)+len(p.AFlags) == 0 {
				continue
			}
			fmt.Fprintf(&b, "  part %s", p.Name)
			if p.Kbuild != "" {
				fmt.Fprintf(&b, " kbuild=%s", p.Kbuild)
			}
			if len(p.Cond) > 0 {
				fmt.Fprintf(&b, " if %s", p.Cond)
			}
			for _, f := range []struct {
				name  string
				flags []string
			}{{"cflags", p.CFlags}, {"cflags_remove", p.CFlagsRemove}, {"aflags", p.AFlags}} {
				if len(f.flags) > 0 {
					fmt.Fprintf(&b, " %s=%q", f.name, f.flags)
				}
			}
			b.WriteString("\n")
		}
	}
	for _, s := range d.Subdirs {
		fmt.Fprintf(&b, "%s-%s %s/", s.Var, symbolOrY(s.Symbol), s.Name)
		if len(s.Cond) > 0 {
			fmt.Fprintf(&b, " if %s", s.Cond)
		}
		fmt.Fprintf(&b, "  # line %d\n", s.Line)
	}
	if len(d.CCFlags) > 0 {
		fmt.Fprintf(&b, "ccflags-y %q\n", d.CCFlags)
	}
	if len(d.ASFlags) > 0 {
		fmt.Fprintf(&b, "asflags-y %q\n", d.ASFlags)
	}
	for _, g := range d.Generated {
		fmt.Fprintf(&b, "generated %s from %q  # line %d\n", g.Name, g.From, g.Line)
	}
	for _, x := range d.Diags {
		fmt.Fprintf(&b, "not modelled: %s\n", x)
	}
	return b.String()
}

func symbolOrY(sym string) string {
	if sym == "" {
		return "y"
	}
	return "$(CONFIG_" + sym + ")"
}
