// Package kbuild reads the subset of GNU make that Kbuild Makefiles of the
// kernel's crypto directories use, and evaluates it symbolically over the
// CONFIG symbols: every word a variable holds carries the condition under
// which it is there. Model turns that into the objects a directory builds.
//
// What it cannot model is never dropped: it comes back as a Diagnostic
// naming the file and line.
package kbuild

import (
	"fmt"
	"strings"
)

// Stmt is one statement of a Makefile.
type Stmt interface{ stmtLine() int }

// Assign is `name op value`, op one of = := ::= += ?= !=.
type Assign struct {
	Line  int
	Name  string
	Op    string
	Value string
}

// If is an ifeq, ifneq, ifdef or ifndef block. An `else ifeq ...` is an If
// alone in Else.
type If struct {
	Line    int
	EndLine int
	Kind    string // ifeq, ifneq, ifdef, ifndef
	Args    string // the text after the keyword
	Then    []Stmt
	Else    []Stmt
}

// Other is a statement the evaluator does not model: a rule with its
// recipe, include, define...endef, export, a bare function call.
type Other struct {
	Line    int
	EndLine int
	Kind    string // rule, include, define, directive, text
	Text    string // the first logical line
	// Recipe is the number of recipe lines (beginning with a tab) that
	// follow a rule.
	Recipe int
}

func (s *Assign) stmtLine() int { return s.Line }
func (s *If) stmtLine() int     { return s.Line }
func (s *Other) stmtLine() int  { return s.Line }

// File is a parsed Makefile.
type File struct {
	Name  string
	Stmts []Stmt
}

// logical is one line after joining continuations, with its first and
// last physical line numbers.
type logical struct {
	first, last int
	text        string
	recipe      bool // began with a tab
}

// logicalLines joins backslash-newline continuations as make does: the
// backslash, the newline and the next line's leading blanks become one
// space.
func logicalLines(data string) []logical {
	data = strings.ReplaceAll(data, "\r\n", "\n")
	phys := strings.Split(data, "\n")
	if len(phys) > 0 && phys[len(phys)-1] == "" {
		phys = phys[:len(phys)-1]
	}
	var out []logical
	for i := 0; i < len(phys); i++ {
		l := logical{first: i + 1, recipe: strings.HasPrefix(phys[i], "\t")}
		text := phys[i]
		for continued(text) && i+1 < len(phys) {
			i++
			text = strings.TrimRight(text[:len(text)-1], " \t") + " " + strings.TrimLeft(phys[i], " \t")
		}
		if continued(text) {
			text = text[:len(text)-1]
		}
		l.last = i + 1
		l.text = text
		out = append(out, l)
	}
	return out
}

// continued reports whether the line ends in an odd number of backslashes.
func continued(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// stripComment removes a # comment that is not escaped with a backslash.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			continue
		}
		if s[i] == '#' {
			return s[:i]
		}
	}
	return s
}

// Parse reads a Makefile. It fails only on what make itself refuses:
// unbalanced conditionals, an unterminated define or variable reference.
func Parse(name string, data []byte) (*File, error) {
	if strings.IndexByte(string(data), 0) >= 0 {
		return nil, fmt.Errorf("%s: holds a NUL byte: not a Makefile", name)
	}
	p := &parser{name: name, lines: logicalLines(string(data))}
	stmts, end, err := p.block(0)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, fmt.Errorf("%s:%d: %s without ifeq/ifneq/ifdef/ifndef", name, p.lines[p.pos-1].first, end)
	}
	return &File{Name: name, Stmts: stmts}, nil
}

type parser struct {
	name  string
	lines []logical
	pos   int
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

// keyword splits a conditional directive off a line.
func keyword(s string) (kw, rest string) {
	s = strings.TrimLeft(s, " \t")
	for _, k := range []string{"ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "define", "endef", "include", "-include", "sinclude", "export", "unexport", "override", "vpath", "undefine", "private"} {
		if s == k {
			return k, ""
		}
		if strings.HasPrefix(s, k) {
			c := s[len(k)]
			if c == ' ' || c == '\t' || ((k == "ifeq" || k == "ifneq") && c == '(') {
				return k, strings.TrimSpace(s[len(k):])
			}
		}
	}
	return "", s
}

// block reads statements until else/endif (returned as end) or the end of
// the file.
func (p *parser) block(depth int) ([]Stmt, string, error) {
	var stmts []Stmt
	inRule := false
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		p.pos++
		if l.recipe && inRule {
			last := stmts[len(stmts)-1].(*Other)
			last.EndLine = l.last
			last.Recipe++
			continue
		}
		text := strings.TrimSpace(stripComment(l.text))
		if text == "" {
			continue
		}
		kw, rest := keyword(text)
		switch kw {
		case "ifeq", "ifneq", "ifdef", "ifndef":
			inRule = false
			s, err := p.conditional(l, kw, rest, depth)
			if err != nil {
				return nil, "", err
			}
			stmts = append(stmts, s)
			continue
		case "else", "endif":
			if depth == 0 {
				return nil, "", p.errorf(l.first, "%s without ifeq/ifneq/ifdef/ifndef", kw)
			}
			p.pos--
			return stmts, kw, nil
		case "define":
			start := l.first
			for {
				if p.pos >= len(p.lines) {
					return nil, "", p.errorf(start, "define without endef")
				}
				e := p.lines[p.pos]
				p.pos++
				if k, _ := keyword(strings.TrimSpace(e.text)); k == "endef" {
					stmts = append(stmts, &Other{Line: start, EndLine: e.last, Kind: "define", Text: text})
					break
				}
			}
			continue
		case "endef":
			return nil, "", p.errorf(l.first, "endef without define")
		case "include", "-include", "sinclude":
			stmts = append(stmts, &Other{Line: l.first, EndLine: l.last, Kind: "include", Text: text})
			continue
		case "export", "unexport", "override", "vpath", "undefine", "private":
			stmts = append(stmts, &Other{Line: l.first, EndLine: l.last, Kind: "directive", Text: text})
			continue
		}
		if err := checkRefs(text); err != nil {
			return nil, "", p.errorf(l.first, "%v", err)
		}
		if a, ok := assignment(text); ok {
			inRule = false
			a.Line = l.first
			stmts = append(stmts, a)
			continue
		}
		kind := "text"
		if isRule(text) {
			kind = "rule"
			inRule = true
		}
		stmts = append(stmts, &Other{Line: l.first, EndLine: l.last, Kind: kind, Text: text})
	}
	return stmts, "", nil
}

func (p *parser) conditional(l logical, kw, args string, depth int) (*If, error) {
	if args == "" {
		return nil, p.errorf(l.first, "%s needs arguments", kw)
	}
	s := &If{Line: l.first, Kind: kw, Args: args}
	then, end, err := p.block(depth + 1)
	if err != nil {
		return nil, err
	}
	s.Then = then
	if end == "" {
		return nil, p.errorf(l.first, "%s without endif", kw)
	}
	e := p.lines[p.pos]
	p.pos++
	if end == "else" {
		_, rest := keyword(strings.TrimSpace(stripComment(e.text)))
		if k2, rest2 := keyword(rest); k2 == "ifeq" || k2 == "ifneq" || k2 == "ifdef" || k2 == "ifndef" {
			// else ifeq ...: the chain shares this block's endif.
			inner, err := p.conditional(e, k2, rest2, depth)
			if err != nil {
				return nil, err
			}
			s.Else = []Stmt{inner}
			s.EndLine = inner.EndLine
			return s, nil
		} else if rest != "" {
			return nil, p.errorf(e.first, "else followed by %q", rest)
		}
		els, end2, err := p.block(depth + 1)
		if err != nil {
			return nil, err
		}
		if end2 != "endif" {
			if end2 == "else" {
				return nil, p.errorf(p.lines[p.pos].first, "a second else in one conditional")
			}
			return nil, p.errorf(l.first, "%s without endif", kw)
		}
		s.Else = els
		e = p.lines[p.pos]
		p.pos++
	}
	s.EndLine = e.last
	return s, nil
}

// checkRefs fails on an unterminated $( or ${ reference.
func checkRefs(s string) error {
	var stack []byte
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			stack = append(stack, closer(s[i+1]))
			i++
		case s[i] == '$' && i+1 < len(s):
			i++ // $$ or a one-letter variable
		case len(stack) > 0 && (s[i] == '(' || s[i] == '{'):
			stack = append(stack, closer(s[i]))
		case len(stack) > 0 && s[i] == stack[len(stack)-1]:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unterminated variable reference")
	}
	return nil
}

func closer(open byte) byte {
	if open == '(' {
		return ')'
	}
	return '}'
}

// topLevel calls f for each byte of s outside $(...) references.
func topLevel(s string, f func(i int) bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			depth++
			i++
			continue
		case s[i] == '$' && i+1 < len(s):
			i++
			continue
		case depth > 0 && (s[i] == '(' || s[i] == '{'):
			depth++
			continue
		case depth > 0 && (s[i] == ')' || s[i] == '}'):
			depth--
			continue
		}
		if depth == 0 && !f(i) {
			return
		}
	}
}

// assignment recognises `name op value`. A ':' before any '=' makes the
// line a rule instead.
func assignment(s string) (*Assign, bool) {
	var a *Assign
	topLevel(s, func(i int) bool {
		switch s[i] {
		case ':':
			if strings.HasPrefix(s[i:], "::=") {
				a = &Assign{Name: s[:i], Op: "::=", Value: s[i+3:]}
			} else if strings.HasPrefix(s[i:], ":=") {
				a = &Assign{Name: s[:i], Op: ":=", Value: s[i+2:]}
			}
			return false
		case '=':
			op, start := "=", i
			if i > 0 && strings.IndexByte("+?!", s[i-1]) >= 0 {
				op, start = s[i-1:i+1], i-1
			}
			a = &Assign{Name: s[:start], Op: op, Value: s[i+1:]}
			return false
		}
		return true
	})
	if a == nil {
		return nil, false
	}
	a.Name = strings.TrimSpace(a.Name)
	a.Value = strings.TrimSpace(a.Value)
	if a.Name == "" || strings.ContainsAny(a.Name, " \t") {
		return nil, false
	}
	return a, true
}

func isRule(s string) bool {
	found := false
	topLevel(s, func(i int) bool {
		if s[i] == ':' {
			found = true
			return false
		}
		return true
	})
	return found
}
