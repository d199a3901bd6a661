// Package kbuildlang is a gazelle language that writes crypto_objs targets
// from the Kbuild Makefiles of a kernel tree's crypto directories.
package kbuildlang

import (
	"flag"
	"log"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/rules-fips140/rules_fips140/tools/internal/kbuild"
)

const languageName = "kbuild"

// DefaultCryptoDirs are the seed's crypto-module-folders, relative to the
// kernel tree's top: $(srctree)/crypto, $(srctree)/arch/$(ARCH)/crypto and
// $(srctree)/lib/crypto (every architecture, since gazelle runs for all).
var DefaultCryptoDirs = []string{"crypto", "arch/*/crypto", "lib/crypto"}

// Config is the language's configuration of one directory.
type Config struct {
	Enabled      bool
	Root         string   // kbuild_root: the kernel tree's top, relative to the repository
	CryptoDirs   []string // kbuild_crypto_dirs, relative to Root
	Vars         []string // kbuild_vars: the lists that name crypto objects
	Kernel       string   // kbuild_kernel
	KernelConfig string   // kbuild_kernel_config
	SourceRepo   string   // kbuild_source_repo: sources live in this repository
	// Assume is kbuild_assume: values the kernel configs the targets
	// build with always have (ARM=n where only x86 and arm64 are built).
	Assume kbuild.Cond

	gate  []string            // conditions inherited from parent directories
	gates map[string][]string // for each subdirectory (rel): its conditions
	dir   *kbuild.Dir         // this directory's model, when it is a crypto directory
	file  string              // the Makefile's path relative to Root
}

func getConfig(c *config.Config) *Config {
	if cfg, ok := c.Exts[languageName].(*Config); ok {
		return cfg
	}
	return &Config{Enabled: true, CryptoDirs: DefaultCryptoDirs, Vars: []string{"crypto-objs"}}
}

// Directives the language reads.
const (
	dirEnabled      = "kbuild"
	dirRoot         = "kbuild_root"
	dirCryptoDirs   = "kbuild_crypto_dirs"
	dirVars         = "kbuild_vars"
	dirKernel       = "kbuild_kernel"
	dirKernelConfig = "kbuild_kernel_config"
	dirSourceRepo   = "kbuild_source_repo"
	dirAssume       = "kbuild_assume"
)

func (*kbuildLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {}

func (*kbuildLang) CheckFlags(fs *flag.FlagSet, c *config.Config) error { return nil }

func (*kbuildLang) KnownDirectives() []string {
	return []string{dirEnabled, dirRoot, dirCryptoDirs, dirVars, dirKernel, dirKernelConfig, dirSourceRepo, dirAssume}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.Trim(strings.TrimSpace(s), "/"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (*kbuildLang) Configure(c *config.Config, rel string, f *rule.File) {
	parent := getConfig(c)
	cfg := *parent
	cfg.dir, cfg.file, cfg.gates = nil, "", nil
	cfg.gate = append(append([]string(nil), parent.gate...), parent.gates[rel]...)
	if f != nil {
		for _, d := range f.Directives {
			switch d.Key {
			case dirEnabled:
				cfg.Enabled = d.Value != "off" && d.Value != "false"
			case dirRoot:
				cfg.Root = path.Clean(path.Join(rel, d.Value))
				if cfg.Root == "." {
					cfg.Root = ""
				}
			case dirCryptoDirs:
				cfg.CryptoDirs = splitList(d.Value)
			case dirVars:
				cfg.Vars = splitList(d.Value)
			case dirKernel:
				cfg.Kernel = d.Value
			case dirKernelConfig:
				cfg.KernelConfig = d.Value
			case dirSourceRepo:
				cfg.SourceRepo = strings.TrimSuffix(d.Value, "//")
			case dirAssume:
				a, err := kbuild.ParseTerms(strings.FieldsFunc(d.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }))
				if err != nil {
					log.Printf("%s: gazelle:%s: %v; the directive is ignored", f.Path, dirAssume, err)
					continue
				}
				cfg.Assume = a
			}
		}
	}
	c.Exts[languageName] = &cfg
	treeRel, ok := cfg.treeRel(rel)
	if !cfg.Enabled || !ok || !cfg.isCrypto(treeRel) {
		return
	}
	mk, data := readMakefile(filepath.Join(c.RepoRoot, filepath.FromSlash(rel)))
	if mk == "" {
		return
	}
	cfg.file = path.Join(treeRel, mk)
	pf, err := kbuild.Parse(cfg.file, data)
	if err != nil {
		log.Printf("kbuild: %v; no targets generated for %s", err, rel)
		return
	}
	cfg.dir = kbuild.Model(kbuild.Evaluate(pf), cfg.Vars)
	cfg.dir.Assume(cfg.Assume)
	cfg.gates = map[string][]string{}
	for _, s := range cfg.dir.Subdirs {
		var terms []string
		if s.Symbol != "" {
			terms = append(terms, s.Symbol)
		}
		cfg.gates[path.Join(rel, s.Name)] = append(terms, s.Cond.Terms()...)
	}
}

// treeRel returns rel relative to the kernel tree's top.
func (cfg *Config) treeRel(rel string) (string, bool) {
	if cfg.Root == "" {
		return rel, true
	}
	if rel == cfg.Root {
		return "", true
	}
	r, ok := strings.CutPrefix(rel, cfg.Root+"/")
	return r, ok
}

// isCrypto follows the seed's is-crypto-related-dir: a crypto directory or
// one below it.
func (cfg *Config) isCrypto(treeRel string) bool {
	for _, pattern := range cfg.CryptoDirs {
		n := len(strings.Split(pattern, "/"))
		parts := strings.Split(treeRel, "/")
		if len(parts) < n {
			continue
		}
		if ok, _ := path.Match(pattern, strings.Join(parts[:n], "/")); ok {
			return true
		}
	}
	return false
}

// readMakefile reads the directory's Kbuild file, which kbuild prefers, or
// its Makefile.
func readMakefile(dir string) (string, []byte) {
	for _, name := range []string{"Kbuild", "Makefile"} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return name, data
		}
	}
	return "", nil
}
