package kbuildlang

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/merger"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

// Update runs the language over the tree at root the way `gazelle update`
// does (configure top-down, then fix, generate and merge each directory),
// reading each directory's BUILD file from buildIn (e.g. "BUILD.bazel" or
// a test's "BUILD.in"). It returns the formatted BUILD file of every
// directory that has one afterwards, keyed by its path relative to root.
// Only this language runs; for tests and drift checks.
func Update(root, buildIn string) (map[string][]byte, error) {
	lang := NewLanguage()
	kinds := lang.Kinds()
	loads := lang.(language.ModuleAwareLanguage).ApparentLoads(func(string) string { return "" })
	out := map[string][]byte{}
	var visit func(rel string, parent *config.Config) error
	visit = func(rel string, parent *config.Config) error {
		dir := filepath.Join(root, filepath.FromSlash(rel))
		c := parent.Clone()
		var f *rule.File
		buildPath := filepath.Join(dir, buildIn)
		if data, err := os.ReadFile(buildPath); err == nil {
			if f, err = rule.LoadData(buildPath, rel, data); err != nil {
				return err
			}
		}
		lang.Configure(c, rel, f)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		var subdirs, files []string
		for _, e := range entries {
			if e.IsDir() {
				subdirs = append(subdirs, e.Name())
			} else {
				files = append(files, e.Name())
			}
		}
		sort.Strings(subdirs)
		for _, s := range subdirs {
			if err := visit(path.Join(rel, s), c); err != nil {
				return err
			}
		}
		if f != nil {
			lang.Fix(c, f)
		}
		res := lang.GenerateRules(language.GenerateArgs{Config: c, Dir: dir, Rel: rel, File: f, Subdirs: subdirs, RegularFiles: files})
		if f == nil && len(res.Gen) == 0 {
			return nil
		}
		if f == nil {
			f = rule.EmptyFile(buildPath, rel)
		}
		merger.MergeFile(f, res.Empty, res.Gen, merger.PreResolve, kinds, nil)
		merger.MergeFile(f, nil, nil, merger.PostResolve, kinds, nil)
		merger.FixLoads(f, loads)
		out[strings.TrimPrefix(rel, "/")] = f.Format()
		return nil
	}
	c := config.New()
	c.RepoRoot = root
	c.Exts = map[string]interface{}{}
	return out, visit("", c)
}
