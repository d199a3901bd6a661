package kbuild

import (
	"fmt"
	"sort"
	"strings"
)

// Word is one word of a variable's value and the condition under which the
// variable holds it.
type Word struct {
	Text string
	Cond Cond
	Line int
}

// Var is a variable's symbolic value.
type Var struct {
	Name  string
	Words []Word
	Line  int // first assignment
}

// Diagnostic is a construct that was not modelled, or a model limit.
type Diagnostic struct {
	File    string
	Line    int
	EndLine int
	Msg     string
}

func (d Diagnostic) String() string {
	if d.EndLine > d.Line {
		return fmt.Sprintf("%s:%d-%d: %s", d.File, d.Line, d.EndLine, d.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Msg)
}

// Eval is a Makefile evaluated over all CONFIG values at once.
type Eval struct {
	File  string
	Vars  map[string]*Var
	Order []string // variable names in the order they were first set
	Diags []Diagnostic
	// Used holds the variables whose value another assignment or a
	// condition read.
	Used map[string]bool
	// Unmodelled holds the variables a statement that was not modelled
	// may have changed.
	Unmodelled map[string]bool
	// Rules are the make rules (reported as not modelled), as written:
	// Model reads from them which sources a recipe generates.
	Rules []Rule

	local map[string]bool // names assigned anywhere in the file
}

// maxAlternatives bounds the expansions of one string.
const maxAlternatives = 256

// Evaluate runs f's statements symbolically.
func Evaluate(f *File) *Eval {
	e := &Eval{File: f.Name, Vars: map[string]*Var{}, Used: map[string]bool{}, Unmodelled: map[string]bool{}, local: map[string]bool{}}
	collectNames(f.Stmts, e.local)
	e.block(f.Stmts, Cond{})
	return e
}

func collectNames(stmts []Stmt, names map[string]bool) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *Assign:
			if !strings.Contains(s.Name, "$") {
				names[s.Name] = true
			}
		case *If:
			collectNames(s.Then, names)
			collectNames(s.Else, names)
		}
	}
}

func (e *Eval) diag(line, end int, format string, args ...any) {
	e.Diags = append(e.Diags, Diagnostic{File: e.File, Line: line, EndLine: end, Msg: fmt.Sprintf(format, args...)})
}

func (e *Eval) block(stmts []Stmt, cond Cond) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *Assign:
			if strings.HasPrefix(s.Name, "cmd_") || strings.HasPrefix(s.Name, "quiet_cmd_") {
				continue // a make rule's command: the rule is reported
			}
			if err := e.assign(s, cond); err != nil {
				e.diag(s.Line, s.Line, "%s %s ...: %v", s.Name, s.Op, err)
				e.skipped([]Stmt{s})
			}
		case *If:
			e.conditional(s, cond)
		case *Other:
			e.diag(s.Line, s.EndLine, "%s not modelled: %s", describe(s.Kind), s.Text)
			if s.Kind == "rule" {
				e.Rules = append(e.Rules, splitRule(s))
			}
		}
	}
}

// Rule is a make rule `targets: prerequisites`, its words unexpanded.
type Rule struct {
	Line, EndLine int
	Targets       []string
	Prereqs       []string
	// Recipe reports whether recipe lines follow: the rule makes its
	// targets rather than only adding prerequisites to them.
	Recipe bool
}

// splitRule splits a rule's first line at its top-level colon (and a
// recipe given on the same line at its top-level semicolon).
func splitRule(s *Other) Rule {
	r := Rule{Line: s.Line, EndLine: s.EndLine, Recipe: s.Recipe > 0}
	colon := topLevelIndex(s.Text, ':')
	if colon < 0 {
		return r
	}
	r.Targets = splitTopLevel(s.Text[:colon])
	rest := strings.TrimPrefix(s.Text[colon+1:], ":") // a double-colon rule
	if semi := topLevelIndex(rest, ';'); semi >= 0 {
		rest, r.Recipe = rest[:semi], true
	}
	r.Prereqs = splitTopLevel(rest)
	return r
}

// topLevelIndex returns the index of the first c outside references, or -1.
func topLevelIndex(s string, c byte) int {
	at := -1
	topLevel(s, func(i int) bool {
		if s[i] == c {
			at = i
			return false
		}
		return true
	})
	return at
}

// skipped records what the statements that were not modelled assign.
func (e *Eval) skipped(stmts []Stmt) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *Assign:
			e.Unmodelled[s.Name] = true
			if alts, err := e.expand(s.Name); err == nil {
				for _, a := range alts {
					e.Unmodelled[strings.TrimSpace(a.s)] = true
				}
			}
		case *If:
			e.skipped(s.Then)
			e.skipped(s.Else)
		}
	}
}

func describe(kind string) string {
	switch kind {
	case "rule":
		return "make rule"
	case "include":
		return "include"
	case "define":
		return "define...endef"
	case "directive":
		return "make directive"
	}
	return "line"
}

func (e *Eval) assign(a *Assign, cond Cond) error {
	names, err := e.expand(a.Name)
	if err != nil {
		return err
	}
	for _, n := range names {
		full, ok := cond.And(n.c)
		if !ok {
			continue
		}
		name := strings.TrimSpace(n.s)
		if name == "" {
			continue
		}
		var words []Word
		switch a.Op {
		case "!=":
			return fmt.Errorf("shell assignment not modelled")
		case "?=":
			if v := e.Vars[name]; v != nil {
				return fmt.Errorf("?= on a variable that is already set not modelled")
			}
		}
		words, err = e.expandWords(a.Value, full, a.Line)
		if err != nil {
			return err
		}
		v := e.Vars[name]
		if v == nil {
			v = &Var{Name: name, Line: a.Line}
			e.Vars[name] = v
			e.Order = append(e.Order, name)
		}
		if a.Op != "+=" {
			if len(full) == 0 {
				v.Words = nil
			} else if len(v.Words) > 0 {
				not, ok := full.Not()
				if !ok {
					return fmt.Errorf("overriding %s under %s, a condition whose negation is not a conjunction, not modelled", name, full)
				}
				var kept []Word
				for _, w := range v.Words {
					if c, ok := w.Cond.And(not); ok {
						w.Cond = c
						kept = append(kept, w)
					}
				}
				v.Words = kept
			}
		}
		v.Words = append(v.Words, words...)
	}
	return nil
}

func (e *Eval) conditional(s *If, cond Cond) {
	thenCond, elseCond, err := e.condition(s)
	if err != nil {
		e.diag(s.Line, s.EndLine, "%s %s: %v; the block is not modelled", s.Kind, s.Args, err)
		e.skipped(s.Then)
		e.skipped(s.Else)
		return
	}
	if thenCond != nil {
		if c, ok := cond.And(thenCond); ok {
			e.block(s.Then, c)
		}
	}
	if elseCond != nil {
		if c, ok := cond.And(elseCond); ok {
			e.block(s.Else, c)
		}
	} else if thenCond != nil && len(s.Else) > 0 && len(thenCond) > 0 {
		e.diag(s.Line, s.EndLine, "%s %s: the else branch's condition (not %s) is not a conjunction; the else branch is not modelled", s.Kind, s.Args, thenCond)
		e.skipped(s.Else)
	}
}

// condition returns when the then and else branches run; nil for never.
func (e *Eval) condition(s *If) (thenCond, elseCond Cond, err error) {
	var pred func(map[string]string) bool
	var syms map[string]bool
	switch s.Kind {
	case "ifdef", "ifndef":
		name := strings.TrimSpace(s.Args)
		if strings.Contains(name, "$") {
			return nil, nil, fmt.Errorf("a computed variable name is not modelled")
		}
		var alts []alt
		if sym, ok := strings.CutPrefix(name, "CONFIG_"); ok {
			alts = configAlts(sym)
		} else if e.local[name] {
			alts, err = e.varAlts(name)
			if err != nil {
				return nil, nil, err
			}
		} else {
			return nil, nil, fmt.Errorf("%s is not a CONFIG symbol nor set in this Makefile", name)
		}
		syms = symsOf(alts)
		want := s.Kind == "ifdef"
		pred = func(a map[string]string) bool {
			for _, x := range alts {
				if x.c.Holds(a) {
					return (strings.TrimSpace(x.s) != "") == want
				}
			}
			return !want
		}
	default:
		left, right, err := splitIfeq(s.Args)
		if err != nil {
			return nil, nil, err
		}
		la, err := e.expand(left)
		if err != nil {
			return nil, nil, err
		}
		ra, err := e.expand(right)
		if err != nil {
			return nil, nil, err
		}
		syms = symsOf(append(la, ra...))
		if len(syms) > 6 {
			return nil, nil, fmt.Errorf("more than 6 CONFIG symbols in one condition")
		}
		want := s.Kind == "ifeq"
		pred = func(a map[string]string) bool {
			l, r := pick(la, a), pick(ra, a)
			return (strings.TrimSpace(l) == strings.TrimSpace(r)) == want
		}
	}
	list := make([]string, 0, len(syms))
	for x := range syms {
		list = append(list, x)
	}
	sort.Strings(list)
	t, tok := box(list, pred)
	f, fok := box(list, func(a map[string]string) bool { return !pred(a) })
	if !tok && !fok {
		return nil, nil, fmt.Errorf("neither branch's condition is a conjunction of CONFIG values")
	}
	if !tok {
		// Either never true, or a disjunction.
		never := true
		assignments(list, func(a map[string]string) { never = never && !pred(a) })
		if !never {
			return nil, nil, fmt.Errorf("the condition is a disjunction of CONFIG values")
		}
		if len(s.Then) > 0 {
			return nil, nil, fmt.Errorf("the condition can never hold for y, m or unset CONFIG values")
		}
		return nil, f, nil
	}
	if !fok {
		always := true
		assignments(list, func(a map[string]string) { always = always && pred(a) })
		if !always {
			return t, nil, nil // else branch: reported by the caller if not empty
		}
		return t, nil, nil
	}
	return t, f, nil
}

// pick returns the alternative that holds for the assignment.
func pick(alts []alt, a map[string]string) string {
	for _, x := range alts {
		if x.c.Holds(a) {
			return x.s
		}
	}
	return ""
}

func symsOf(alts []alt) map[string]bool {
	syms := map[string]bool{}
	for _, x := range alts {
		for s := range x.c {
			syms[s] = true
		}
	}
	return syms
}

// splitIfeq splits `(a,b)`, `"a" "b"` or `'a' 'b'`.
func splitIfeq(args string) (string, string, error) {
	args = strings.TrimSpace(args)
	if strings.HasPrefix(args, "(") && strings.HasSuffix(args, ")") {
		inner := args[1 : len(args)-1]
		comma := -1
		topLevel(inner, func(i int) bool {
			if inner[i] == ',' {
				comma = i
				return false
			}
			return true
		})
		if comma < 0 {
			return "", "", fmt.Errorf("no comma between the arguments")
		}
		return inner[:comma], inner[comma+1:], nil
	}
	var parts []string
	rest := args
	for len(parts) < 2 {
		rest = strings.TrimSpace(rest)
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return "", "", fmt.Errorf("arguments are neither (a,b) nor quoted")
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", "", fmt.Errorf("unterminated quote")
		}
		parts = append(parts, rest[1:1+end])
		rest = rest[end+2:]
	}
	if strings.TrimSpace(rest) != "" {
		return "", "", fmt.Errorf("extra text after the arguments")
	}
	return parts[0], parts[1], nil
}

// alt is one possible expansion of a string and when it happens.
type alt struct {
	s string
	c Cond
}

func configAlts(sym string) []alt {
	return []alt{{"y", Cond{sym: Y}}, {"m", Cond{sym: M}}, {"", Cond{sym: N}}}
}

// expand expands s into its alternatives.
func (e *Eval) expand(s string) ([]alt, error) {
	alts := []alt{{"", Cond{}}}
	for len(s) > 0 {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			alts = appendLiteral(alts, s)
			break
		}
		alts = appendLiteral(alts, s[:i])
		if i+1 >= len(s) {
			return nil, fmt.Errorf("a lone $ at the end")
		}
		var ref string
		switch s[i+1] {
		case '$':
			alts = appendLiteral(alts, "$")
			s = s[i+2:]
			continue
		case '(', '{':
			end := refEnd(s, i)
			if end < i+2 || s[end] != closer(s[i+1]) {
				// Parse checks assignments; a conditional's arguments
				// reach here unchecked.
				return nil, fmt.Errorf("unterminated variable reference")
			}
			ref = s[i+2 : end]
			s = s[end+1:]
		default:
			ref = s[i+1 : i+2]
			s = s[i+2:]
		}
		ra, err := e.reference(ref)
		if err != nil {
			return nil, err
		}
		var next []alt
		for _, a := range alts {
			for _, r := range ra {
				if c, ok := a.c.And(r.c); ok {
					next = append(next, alt{a.s + r.s, c})
				}
			}
		}
		if len(next) > maxAlternatives {
			return nil, fmt.Errorf("more than %d expansions", maxAlternatives)
		}
		alts = next
	}
	return alts, nil
}

func appendLiteral(alts []alt, lit string) []alt {
	for i := range alts {
		alts[i].s += lit
	}
	return alts
}

// refEnd returns the index of the parenthesis closing the reference at i.
func refEnd(s string, i int) int {
	open, close := s[i+1], closer(s[i+1])
	depth := 0
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(s) - 1 // Parse rejected unterminated references
}

// reference expands the inside of $(...).
func (e *Eval) reference(ref string) ([]alt, error) {
	if fn, args, ok := strings.Cut(ref, " "); ok && !strings.ContainsAny(fn, "$:") {
		return e.function(fn, args)
	}
	if strings.Contains(ref, "$") {
		return nil, fmt.Errorf("computed variable name $(%s) not modelled", ref)
	}
	if strings.Contains(ref, ":") {
		return nil, fmt.Errorf("substitution reference $(%s) not modelled", ref)
	}
	if sym, ok := strings.CutPrefix(ref, "CONFIG_"); ok {
		return configAlts(sym), nil
	}
	return e.varAlts(ref)
}

// varAlts expands a variable of this Makefile as one string.
func (e *Eval) varAlts(name string) ([]alt, error) {
	e.Used[name] = true
	v := e.Vars[name]
	if v == nil {
		if e.local[name] {
			return []alt{{"", Cond{}}}, nil // set later or in another branch
		}
		return nil, fmt.Errorf("$(%s) is not set in this Makefile (kbuild or the architecture's Makefile sets it)", name)
	}
	alts := []alt{{"", Cond{}}}
	for _, w := range v.Words {
		var next []alt
		for _, a := range alts {
			sep := ""
			if a.s != "" {
				sep = " "
			}
			if len(w.Cond) == 0 {
				next = append(next, alt{a.s + sep + w.Text, a.c})
				continue
			}
			if c, ok := a.c.And(w.Cond); ok {
				next = append(next, alt{a.s + sep + w.Text, c})
			}
			not, ok := w.Cond.Not()
			if !ok {
				return nil, fmt.Errorf("$(%s) holds a word under %s, whose negation is not a conjunction", name, w.Cond)
			}
			if c, ok := a.c.And(not); ok {
				next = append(next, alt{a.s, c})
			}
		}
		if len(next) > maxAlternatives {
			return nil, fmt.Errorf("$(%s) has more than %d expansions", name, maxAlternatives)
		}
		alts = next
	}
	return alts, nil
}

// function expands the make functions the crypto Makefiles use.
func (e *Eval) function(fn, args string) ([]alt, error) {
	if fn == "call" {
		name, rest, _ := strings.Cut(args, ",")
		switch strings.TrimSpace(name) {
		case "cc-option":
			// The flag itself: the project's compilers (gcc 16, clang
			// 21) support every flag the crypto Makefiles test for.
			first, _, _ := strings.Cut(rest, ",")
			return e.expand(strings.TrimSpace(first))
		}
		return nil, fmt.Errorf("$(call %s,...) not modelled", strings.TrimSpace(name))
	}
	return nil, fmt.Errorf("function $(%s ...) not modelled", fn)
}

// expandWords expands a value into words, each under cond and its own
// alternative's condition.
func (e *Eval) expandWords(value string, cond Cond, line int) ([]Word, error) {
	var words []Word
	for _, tok := range splitTopLevel(value) {
		alts, err := e.tokenAlts(tok)
		if err != nil {
			return nil, err
		}
		for _, a := range alts {
			c, ok := cond.And(a.c)
			if !ok {
				continue
			}
			for _, f := range strings.Fields(a.s) {
				words = append(words, Word{Text: f, Cond: c, Line: line})
			}
		}
	}
	return words, nil
}

// tokenAlts expands one token; a token that is exactly $(var) of this
// Makefile keeps the variable's words with their own conditions.
func (e *Eval) tokenAlts(tok string) ([]alt, error) {
	if strings.HasPrefix(tok, "$(") && strings.HasSuffix(tok, ")") && refEnd(tok, 0) == len(tok)-1 {
		name := tok[2 : len(tok)-1]
		if !strings.ContainsAny(name, "$: ,") && !strings.HasPrefix(name, "CONFIG_") && e.local[name] {
			e.Used[name] = true
			var alts []alt
			if v := e.Vars[name]; v != nil {
				for _, w := range v.Words {
					alts = append(alts, alt{w.Text, w.Cond})
				}
			}
			return alts, nil
		}
	}
	return e.expand(tok)
}

// splitTopLevel splits s into maximal runs of non-blank bytes; blanks
// inside references do not split.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '$' && i+1 < len(s) && s[i+1] == '$' && depth == 0 {
			if start < 0 {
				start = i
			}
			i++
			continue
		}
		if c == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{') {
			if start < 0 {
				start = i
			}
			depth++
			i++
			continue
		}
		if depth > 0 {
			if c == '(' || c == '{' {
				depth++
			} else if c == ')' || c == '}' {
				depth--
			}
			continue
		}
		if c == ' ' || c == '\t' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
