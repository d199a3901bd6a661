package kbuildlang

import (
	"fmt"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	bzl "github.com/bazelbuild/buildtools/build"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/label"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/repo"
	"github.com/bazelbuild/bazel-gazelle/resolve"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/rules-fips140/rules_fips140/tools/internal/kbuild"
)

const kind = "crypto_objs"

// commentPrefix starts every line of the block that lists what was not
// modelled; the language rewrites exactly those lines.
const commentPrefix = "# kbuild: "

type kbuildLang struct{}

// NewLanguage returns the kbuild language for a gazelle_binary.
func NewLanguage() language.Language { return &kbuildLang{} }

func (*kbuildLang) Name() string { return languageName }

func (*kbuildLang) Kinds() map[string]rule.KindInfo {
	return map[string]rule.KindInfo{
		kind: {
			NonEmptyAttrs: map[string]bool{"srcs": true},
			MergeableAttrs: map[string]bool{
				"srcs": true, "hdrs": true, "config_symbol": true, "conditions": true,
				"copts": true, "copts_remove": true, "part_conditions": true,
				"part_copts": true, "part_copts_remove": true, "kernel": true, "kernel_config": true,
			},
		},
	}
}

func (*kbuildLang) Loads() []rule.LoadInfo { return loads("rules_fips140") }

func (*kbuildLang) ApparentLoads(moduleToApparentName func(string) string) []rule.LoadInfo {
	name := moduleToApparentName("rules_fips140")
	if name == "" {
		name = "rules_fips140"
	}
	return loads(name)
}

func loads(repoName string) []rule.LoadInfo {
	return []rule.LoadInfo{{Name: "@" + repoName + "//rules:defs.bzl", Symbols: []string{kind}}}
}

func (*kbuildLang) Imports(*config.Config, *rule.Rule, *rule.File) []resolve.ImportSpec { return nil }

func (*kbuildLang) Embeds(*rule.Rule, label.Label) []label.Label { return nil }

func (*kbuildLang) Resolve(*config.Config, *resolve.RuleIndex, *repo.RemoteCache, *rule.Rule, interface{}, label.Label) {
}

// Fix rewrites the block of comments that lists what was not modelled, on
// the first crypto_objs target of an existing BUILD file.
func (*kbuildLang) Fix(c *config.Config, f *rule.File) {
	cfg := getConfig(c)
	if cfg.dir == nil {
		return
	}
	for _, r := range f.Rules {
		if r.Kind() == kind {
			r.SetSortedAttrs(nil) // srcs are in link order
		}
	}
	p := plan(cfg, filepath.Join(c.RepoRoot, filepath.FromSlash(f.Pkg)))
	first := true
	for _, stmt := range f.File.Stmt {
		cs := stmt.Comment()
		var kept []bzl.Comment
		for _, x := range cs.Before {
			if !strings.HasPrefix(x.Token, strings.TrimSpace(commentPrefix)) {
				kept = append(kept, x)
			}
		}
		cs.Before = kept
		if call, ok := stmt.(*bzl.CallExpr); ok && first {
			if id, ok := call.X.(*bzl.Ident); ok && id.Name == kind {
				first = false
				var block []bzl.Comment
				for _, line := range p.comments() {
					block = append(block, bzl.Comment{Token: line})
				}
				cs.Before = append(block, cs.Before...)
			}
		}
	}
}

func (*kbuildLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	cfg := getConfig(args.Config)
	var res language.GenerateResult
	if cfg.dir == nil {
		return res
	}
	if cfg.Kernel == "" || cfg.KernelConfig == "" {
		log.Printf("%s: kbuild: set # gazelle:%s and # gazelle:%s to generate crypto_objs targets", args.Rel, dirKernel, dirKernelConfig)
		return res
	}
	p := plan(cfg, args.Dir)
	for _, d := range p.diags {
		log.Printf("%s: not modelled: %s", args.Rel, d)
	}
	generated := map[string]bool{}
	for _, r := range p.rules {
		generated[r.Name()] = true
		res.Gen = append(res.Gen, r)
		res.Imports = append(res.Imports, nil)
	}
	if !hasKind(args.File) && len(res.Gen) > 0 {
		// Fix found no target to carry the block: the first new one does.
		for _, line := range p.comments() {
			res.Gen[0].AddComment(line)
		}
	}
	if args.File != nil {
		for _, r := range args.File.Rules {
			if r.Kind() == kind && !generated[r.Name()] {
				res.Empty = append(res.Empty, rule.NewRule(kind, r.Name()))
			}
		}
	}
	return res
}

func hasKind(f *rule.File) bool {
	if f == nil {
		return false
	}
	for _, r := range f.Rules {
		if r.Kind() == kind {
			return true
		}
	}
	return false
}

// generation is what one directory's Makefile turns into.
type generation struct {
	file  string
	rules []*rule.Rule
	diags []string
}

func (g *generation) comments() []string {
	if len(g.diags) == 0 {
		return nil
	}
	out := []string{commentPrefix + "not modelled from " + g.file + " (gazelle kbuild); check by hand:"}
	for _, d := range g.diags {
		out = append(out, commentPrefix+"  "+d)
	}
	return out
}

func plan(cfg *Config, dir string) *generation {
	g := &generation{file: cfg.file}
	for _, d := range cfg.dir.Diags {
		g.diags = append(g.diags, d.String())
	}
	names := map[string]int{}
	for _, o := range cfg.dir.Objects {
		names[path.Base(o.Name)]++
	}
	for _, o := range cfg.dir.Objects {
		r, notes, why := objectRule(cfg, dir, o, names)
		g.diags = append(g.diags, notes...)
		if why != "" {
			g.diags = append(g.diags, fmt.Sprintf("%s:%d: %s.o: %s", cfg.file, o.Line, o.Name, why))
			continue
		}
		g.rules = append(g.rules, r)
	}
	sort.SliceStable(g.diags, func(i, j int) bool { return lineOf(g.diags[i]) < lineOf(g.diags[j]) })
	return g
}

var lineRE = regexp.MustCompile(`^[^:]*:(\d+)`)

func lineOf(d string) int {
	n := 0
	if m := lineRE.FindStringSubmatch(d); m != nil {
		fmt.Sscan(m[1], &n)
	}
	return n
}

// objectRule writes o's target. A part whose source is missing (a make
// rule generates it) leaves the object without a target when every
// configuration needs it (why), and is left out with a note saying when
// the target lacks it otherwise.
func objectRule(cfg *Config, dir string, o kbuild.Object, names map[string]int) (*rule.Rule, []string, string) {
	if o.Symbol == "" {
		return nil, nil, fmt.Sprintf("in %s-y: always built in, with no CONFIG symbol to route it; no crypto_objs", o.Var)
	}
	name := path.Base(o.Name)
	if names[name] > 1 {
		name = strings.ReplaceAll(o.Name, "/", "_")
	}
	type src struct {
		file string
		part kbuild.Part
	}
	var srcs []src
	var notes []string
	for _, p := range o.Parts {
		file := ""
		for _, ext := range []string{".c", ".S"} {
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p.Name+ext))); err == nil && st.Mode().IsRegular() {
				file = p.Name + ext
				break
			}
		}
		if file != "" {
			srcs = append(srcs, src{file, p})
			continue
		}
		missing := fmt.Sprintf("part %s.o has no %s.c or %s.S (generated at build time?)", p.Name, p.Name, p.Name)
		if gen, ok := cfg.dir.GeneratedSource(p.Name); ok {
			missing = fmt.Sprintf("part %s.o is built from %s, which the make rule at %s:%d generates from %s; generated sources are not modelled", p.Name, gen.Name, cfg.file, gen.Line, strings.Join(gen.From, " "))
		}
		when := partTerms(p)
		if len(when) == 0 {
			return nil, nil, missing + "; no crypto_objs"
		}
		notes = append(notes, fmt.Sprintf("%s:%d: %s.o: %s; left out, so the target lacks it when %s", cfg.file, p.Line, o.Name, missing, strings.Join(when, " && ")))
	}
	if len(srcs) == 0 {
		return nil, notes, "no part has a source; no crypto_objs"
	}
	seen := map[string]bool{}
	for _, s := range srcs {
		if seen[path.Base(s.file)] {
			return nil, notes, fmt.Sprintf("two parts named %s; crypto_objs keys parts by basename; no crypto_objs", path.Base(s.file))
		}
		seen[path.Base(s.file)] = true
	}

	r := rule.NewRule(kind, name)
	r.SetSortedAttrs(nil) // srcs are in link order
	var files, flagSets []string
	flags := map[string][]string{}
	conds := map[string][]string{}
	removes := map[string][]string{}
	for _, s := range srcs {
		files = append(files, s.file)
		var f []string
		if strings.HasSuffix(s.file, ".S") {
			f = append(append(f, cfg.dir.ASFlags...), s.part.AFlags...)
		} else {
			f = append(append(f, cfg.dir.CCFlags...), s.part.CFlags...)
		}
		base := path.Base(s.file)
		flags[base] = f
		flagSets = append(flagSets, strings.Join(f, "\x00"))
		if terms := partTerms(s.part); len(terms) > 0 {
			conds[base] = terms
		}
		if len(s.part.CFlagsRemove) > 0 {
			removes[base] = s.part.CFlagsRemove
		}
	}
	r.SetAttr("srcs", linkOrder(labels(cfg, files)))
	if hdrs := localHeaders(dir, files); len(hdrs) > 0 {
		r.SetAttr("hdrs", labels(cfg, hdrs))
	}
	r.SetAttr("config_symbol", o.Symbol)
	if terms := append(append([]string(nil), cfg.gate...), o.Cond.Terms()...); len(terms) > 0 {
		r.SetAttr("conditions", terms)
	}
	same := true
	for _, s := range flagSets {
		same = same && s == flagSets[0]
	}
	if same {
		if f := flags[path.Base(files[0])]; len(f) > 0 {
			r.SetAttr("copts", f)
		}
	} else {
		per := map[string][]string{}
		for b, f := range flags {
			if len(f) > 0 {
				per[b] = f
			}
		}
		r.SetAttr("part_copts", dictValue(per))
	}
	if len(removes) > 0 {
		if len(srcs) == 1 {
			r.SetAttr("copts_remove", removes[path.Base(files[0])])
		} else {
			r.SetAttr("part_copts_remove", dictValue(removes))
		}
	}
	if len(conds) > 0 {
		r.SetAttr("part_conditions", dictValue(conds))
	}
	r.SetAttr("kernel", cfg.Kernel)
	r.SetAttr("kernel_config", cfg.KernelConfig)
	return r, notes, ""
}

// partTerms are a part's conditions as crypto_objs writes them: its kbuild
// symbol (bare), then its enclosing conditions.
func partTerms(p kbuild.Part) []string {
	var terms []string
	if p.Kbuild != "" {
		terms = append(terms, p.Kbuild)
	}
	return append(terms, p.Cond.Terms()...)
}

// dictValue is a string_list_dict attribute that a new run replaces whole
// (gazelle's own dict merging is for select()s).
type dictValue map[string][]string

func (d dictValue) BzlExpr() bzl.Expr {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dict := &bzl.DictExpr{ForceMultiLine: true}
	for _, k := range keys {
		list := &bzl.ListExpr{}
		for _, v := range d[k] {
			list.List = append(list.List, &bzl.StringExpr{Value: v})
		}
		dict.List = append(dict.List, &bzl.KeyValueExpr{Key: &bzl.StringExpr{Value: k}, Value: list})
	}
	return dict
}

func (d dictValue) Merge(bzl.Expr) bzl.Expr { return d.BzlExpr() }

// linkOrder is srcs: the Makefile's order is the link order, so a new run
// replaces the list whole, and its first element tells buildifier not to
// sort it.
type linkOrder []string

func (l linkOrder) BzlExpr() bzl.Expr {
	list := &bzl.ListExpr{}
	for _, f := range l {
		list.List = append(list.List, &bzl.StringExpr{Value: f})
	}
	if len(l) > 1 {
		list.ForceMultiLine = true
		list.List[0].Comment().Before = []bzl.Comment{{Token: "# do not sort: link order"}}
	}
	return list
}

func (l linkOrder) Merge(bzl.Expr) bzl.Expr { return l.BzlExpr() }

// labels names files of the directory: plain paths, or labels in the
// source repository.
func labels(cfg *Config, files []string) []string {
	if cfg.SourceRepo == "" {
		return files
	}
	treeRel := path.Dir(cfg.file)
	var out []string
	for _, f := range files {
		out = append(out, cfg.SourceRepo+"//:"+path.Join(treeRel, f))
	}
	return out
}

var includeRE = regexp.MustCompile(`(?m)^\s*#\s*include\s+"([^"]+)"`)

// localHeaders follows `#include "x.h"` from the sources to the headers
// of the directory (and below it), transitively.
func localHeaders(dir string, files []string) []string {
	seen := map[string]bool{}
	var out []string
	queue := append([]string(nil), files...)
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			continue
		}
		for _, m := range includeRE.FindAllStringSubmatch(string(data), -1) {
			h := path.Clean(path.Join(path.Dir(f), m[1]))
			if strings.HasPrefix(h, "../") || seen[h] {
				continue
			}
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(h))); err != nil || !st.Mode().IsRegular() {
				continue
			}
			seen[h] = true
			out = append(out, h)
			queue = append(queue, h)
		}
	}
	sort.Strings(out)
	return out
}
