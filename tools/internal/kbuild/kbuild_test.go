package kbuild

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var crypto = []string{"obj", "crypto-objs"}

func model(t *testing.T, name, src string) *Dir {
	t.Helper()
	f, err := Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return Model(Evaluate(f), crypto)
}

// values renders a variable as "word[cond] ...".
func values(e *Eval, name string) string {
	v := e.Vars[name]
	if v == nil {
		return "<unset>"
	}
	var out []string
	for _, w := range v.Words {
		out = append(out, w.Text+"["+w.Cond.String()+"]")
	}
	return strings.Join(out, " ")
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name, src, v, want string
	}{
		{"plus", "a += x\na += y", "a", "x[true] y[true]"},
		{"config name", "obj-$(CONFIG_A) += x.o", "obj-m", "x.o[A=m]"},
		{"config name y", "obj-$(CONFIG_A) += x.o", "obj-y", "x.o[A=y]"},
		{"override", "a := x\na := y", "a", "y[true]"},
		{"conditional override", "a := x\nifeq ($(CONFIG_B),y)\na := y\nendif", "a", "x[B=m|n] y[B=y]"},
		{"recursive is read once", "a = x\nb := $(a)\na = y", "b", "x[true]"},
		{"splice keeps conditions", "l-$(CONFIG_P) += p.o\nl-y := a.o $(l-y)", "l-y", "a.o[true] p.o[P=y]"},
		{"continuation", "a := x \\\n\ty \\\n  z", "a", "x[true] y[true] z[true]"},
		{"comment", "a := x # y", "a", "x[true]"},
		{"escaped hash", "a := x\\#y", "a", "x\\#y[true]"},
		{"dollar dollar", "a := $$(b)", "a", "$(b)[true]"},
		{"cc-option", "a := $(call cc-option,-fx,-fy)", "a", "-fx[true]"},
		{"ifdef", "ifdef CONFIG_A\na := x\nendif", "a", "x[A=y|m]"},
		{"ifndef", "ifndef CONFIG_A\na := x\nendif", "a", "x[A=n]"},
		{"ifneq else", "ifneq ($(CONFIG_A),y)\na := x\nelse\na := z\nendif", "a", "x[A=m|n] z[A=y]"},
		{"ifeq empty", "ifeq ($(CONFIG_A),)\na += x\nendif", "a", "x[A=n]"},
		{"ifeq quoted", "ifeq \"$(CONFIG_A)\" 'm'\na += x\nendif", "a", "x[A=m]"},
		{"concatenation", "ifeq ($(CONFIG_A)$(CONFIG_B),yy)\na += x\nendif", "a", "x[A=y && B=y]"},
		{"nested", "ifeq ($(CONFIG_A),y)\nifdef CONFIG_B\na += x\nendif\nendif", "a", "x[A=y && B=y|m]"},
		{"else ifeq", "ifeq ($(CONFIG_A),y)\na += x\nelse ifeq ($(CONFIG_B),y)\na += z\nendif", "a", "x[A=y] z[A=m|n && B=y]"},
		{"contradiction dropped", "ifeq ($(CONFIG_A),y)\nobj-$(CONFIG_A) += x.o\nendif", "obj-m", "<unset>"},
		{"local variable in condition", "v := y\nifeq ($(v),y)\na += x\nendif", "a", "x[true]"},
		{"space after comma", "ifeq ($(CONFIG_A), y)\na += x\nendif", "a", "x[A=y]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("t.mk", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			e := Evaluate(f)
			if len(e.Diags) > 0 {
				t.Errorf("diagnostics: %v", e.Diags)
			}
			if got := values(e, tc.v); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.v, got, tc.want)
			}
		})
	}
}

// TestDiagnostics checks that each construct the model cannot follow is
// reported at its line, with the rest of the file still modelled.
func TestDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"arch", "ifeq ($(ARCH),arm64)\nobj-y += a.o\nendif", 1, "$(ARCH) is not set in this Makefile"},
		{"disjunction", "ifeq ($(CONFIG_A)$(CONFIG_B),y)\nobj-y += a.o\nendif", 1, "is a conjunction"},
		{"never", "ifeq ($(CONFIG_A),42)\nobj-y += a.o\nendif", 1, "can never hold"},
		{"rule", "\n$(obj)/a.o: $(obj)/a.h", 2, "make rule not modelled"},
		{"recipe joins its rule", "x: y\n\techo\n\techo", 1, "make rule not modelled"},
		{"include", "include foo.mk", 1, "include not modelled"},
		{"define", "define f\nx\nendef", 1, "define...endef not modelled"},
		{"export", "export A := 1", 1, "make directive not modelled"},
		{"function", "obj-y += $(patsubst %.c,%.o,a.c)", 1, "function $(patsubst ...) not modelled"},
		{"eval", "$(eval x := 1)", 1, "line not modelled"},
		{"substitution", "a := b\nobj-y += $(a:.c=.o)", 2, "substitution reference"},
		{"computed name", "obj-y += $($(x)-y)", 1, "computed variable name"},
		{"shell", "a != echo", 1, "shell assignment"},
		{"conditional flags", "obj-$(CONFIG_A) += a.o\nifdef CONFIG_B\nCFLAGS_a.o += -DB\nendif", 3, "conditional flags are not modelled"},
		{"unknown variable", "obj-$(CONFIG_A) += a.o\nKASAN_SANITIZE_a.o := n", 2, "variable KASAN_SANITIZE_a.o is not modelled"},
		{"not an object", "obj-$(CONFIG_A) += a.c", 1, "neither an object"},
		{"listed twice", "obj-$(CONFIG_A) += a.o\nobj-$(CONFIG_B) += a.o", 1, "listed under several conditions"},
		{"kbuild variable", "obj-$(CONFIG_A) += a.o\nCFLAGS_a.o += $(CC_FLAGS_FPU)", 2, "$(CC_FLAGS_FPU) is not set"},
		{"unterminated reference in ifeq", "ifeq \"$(\" \"\"\nobj-y += a.o\nendif", 1, "unterminated variable reference"},
		{"as-instr", "obj-$(CONFIG_A) += a.o\nAFLAGS_a.o += $(call as-instr,nop,-DX)", 2, "$(call as-instr,...) not modelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := model(t, "t.mk", tc.src)
			for _, x := range d.Diags {
				if x.Line == tc.line && strings.Contains(x.Msg, tc.want) && x.File == "t.mk" {
					return
				}
			}
			t.Errorf("no diagnostic at t.mk:%d containing %q; got %v", tc.line, tc.want, d.Diags)
		})
	}
}

func TestParseBad(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unterminated ifeq", "ifeq (a,b)\nx := 1", "t.mk:1: ifeq without endif"},
		{"endif alone", "x := 1\nendif", "t.mk:2: endif without"},
		{"else alone", "else", "t.mk:1: else without"},
		{"two else", "ifdef A\nelse\nelse\nendif", "a second else"},
		{"define", "define x\ny", "t.mk:1: define without endef"},
		{"endef", "endef", "t.mk:1: endef without define"},
		{"unterminated reference", "obj-y += $(foo", "t.mk:1: unterminated variable reference"},
		{"ifeq without arguments", "ifeq\nendif", "t.mk:1: ifeq needs arguments"},
		{"else junk", "ifdef A\nelse junk\nendif", "t.mk:2: else followed by"},
		{"nul", "a := \x00", "NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.mk", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// An ifeq whose arguments make cannot split is a diagnostic, not a
	// parse error: make only complains when it evaluates the line.
	d := model(t, "t.mk", "ifeq x y\nendif")
	if len(d.Diags) != 1 || !strings.Contains(d.Diags[0].Msg, "neither (a,b) nor quoted") {
		t.Errorf("diagnostics = %v", d.Diags)
	}
}

// TestGolden models each committed fixture, testdata/*.mk.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.mk")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.mk: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			d := model(t, filepath.Base(path), string(data))
			golden.Check(t, strings.TrimSuffix(filepath.Base(path), ".mk")+".golden", []byte(d.String()), *update)
		})
	}
}

func TestModelParts(t *testing.T) {
	d := model(t, "t.mk", "obj-$(CONFIG_X) += x.o\nx-$(CONFIG_P) += p.o\nx-y := a.o $(x-y)\nCFLAGS_a.o := -DA")
	want := []Object{{
		Name: "x", Var: "obj", Symbol: "X", Cond: Cond{}, Composite: true, Line: 1,
		Parts: []Part{
			{Name: "a", Cond: Cond{}, CFlags: []string{"-DA"}, Line: 3},
			{Name: "p", Kbuild: "P", Cond: Cond{}, Line: 3},
		},
	}}
	if diff := cmp.Diff(want, d.Objects); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.mk")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("ifeq ($(CONFIG_A)$(CONFIG_B)$(CONFIG_C),yy)\nobj-$(CONFIG_D) += $(x-y)\nelse ifdef X\nendif\n"))
	f.Add([]byte("obj-$(CONFIG_D) += d.o\nd-$(CONFIG_A) += a/d.o\n$(obj)/a/d.S: $(src)/a/d.pl FORCE ; x\n$(obj)/b.c:: $(src)/b.in\n\t@cp $< $@\n"))
	// Assume(A=n) must leave no condition that needs A=y or A=m.
	assume := Cond{"A": N}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.mk", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.mk") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		d := Model(Evaluate(file), crypto)
		for _, x := range d.Diags {
			if x.File != "fuzz.mk" || x.Line < 1 {
				t.Fatalf("diagnostic without file and line: %v", x)
			}
		}
		_ = d.String()
		for _, g := range d.Generated {
			if g.Name == "" || g.Line < 1 {
				t.Fatalf("generated source without name or line: %+v", g)
			}
		}
		d.Assume(assume)
		for _, o := range d.Objects {
			if o.Symbol == "A" || len(o.Parts) == 0 {
				t.Fatalf("Assume(A=n) kept %+v", o)
			}
			for _, c := range append([]Cond{o.Cond}, partConds(o)...) {
				if v, ok := c["A"]; ok && v != N {
					t.Fatalf("Assume(A=n) kept %s.o with a condition %s", o.Name, c)
				}
			}
		}
		_ = d.String()
	})
}

func partConds(o Object) []Cond {
	var out []Cond
	for _, p := range o.Parts {
		if p.Kbuild == "A" {
			out = append(out, Cond{"A": Y})
		}
		out = append(out, p.Cond)
	}
	return out
}

func TestParseTerms(t *testing.T) {
	c, err := ParseTerms([]string{"ARM=n", "CONFIG_PPC=n", "X=y|m", "Z=y|m|n"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String(); got != "ARM=n && PPC=n && X=y|m" {
		t.Errorf("ParseTerms = %s", got)
	}
	for _, bad := range [][]string{{"ARM"}, {"ARM=x"}, {"=n"}, {"A=y", "A=n"}, {"$(A)=y"}} {
		if _, err := ParseTerms(bad); err == nil {
			t.Errorf("ParseTerms(%q) did not fail", bad)
		}
	}
}

// TestAssume checks what an assumption leaves out, what it simplifies, and
// that what relied on it says so in its conditions.
func TestAssume(t *testing.T) {
	src := `obj-$(CONFIG_L) += l.o
l-y := l_main.o
ifeq ($(CONFIG_L_ARCH),y)
l-$(CONFIG_ARM) += arm/l-core.o
l-$(CONFIG_X86) += x86/l-core.o
endif
obj-$(CONFIG_ARM) += arm/only.o
obj-$(CONFIG_G) += g.o
ifneq ($(CONFIG_ARM),y)
g-y := g_generic.o
endif
obj-$(CONFIG_U) += u.o
obj-$(CONFIG_ARM) += armdir/
`
	d := model(t, "t.mk", src)
	d.Assume(Cond{"ARM": N})
	want := `obj-$(CONFIG_L) l.o if ARM=n  # line 1
  part l_main
  part x86/l-core kbuild=X86 if L_ARCH=y
obj-$(CONFIG_G) g.o if ARM=n  # line 8
  part g_generic
obj-$(CONFIG_U) u.o  # line 12
`
	if got := d.String(); got != want {
		t.Errorf("after Assume(ARM=n):\n%s\nwant:\n%s", got, want)
	}
	d = model(t, "t.mk", src)
	d.Assume(Cond{"X86": Y})
	if got := d.Objects[0].Parts[2].Cond.String(); got != "L_ARCH=y" || d.Objects[0].Cond.String() != "true" {
		t.Errorf("Assume(X86=y): part x86/l-core if %s, object if %s", got, d.Objects[0].Cond)
	}
	d = model(t, "t.mk", src)
	d.Assume(nil)
	if got, want := d.String(), model(t, "t.mk", src).String(); got != want {
		t.Errorf("Assume(nil) changed the model:\n%s", got)
	}
}

func TestGenerated(t *testing.T) {
	d := model(t, "t.mk", "obj-$(CONFIG_A) += a.o\na-y := a_glue.o a-core.o\n"+
		"$(obj)/a-core.S: $(src)/a-core.pl FORCE\n\t$(call cmd,perlasm)\n"+
		"$(obj)/a_glue.o: $(obj)/a.h\n"+
		"$(obj)/b.c: $(src)/b.in ; cp $< $@\n"+
		"$(obj)/c.S: $(src)/c.pl\n")
	if g, ok := d.GeneratedSource("a-core"); !ok || g.Line != 3 || len(g.From) != 1 || g.From[0] != "a-core.pl" {
		t.Errorf("GeneratedSource(a-core) = %+v, %v", g, ok)
	}
	if g, ok := d.GeneratedSource("b"); !ok || g.Line != 6 || g.From[0] != "b.in" {
		t.Errorf("GeneratedSource(b) = %+v, %v (a recipe after ;)", g, ok)
	}
	for _, stem := range []string{"a_glue", "a", "c"} {
		if g, ok := d.GeneratedSource(stem); ok {
			t.Errorf("GeneratedSource(%s) = %+v: no rule with a recipe writes it", stem, g)
		}
	}
}
