// Package provenance writes and reads the build record of a vmlinux with
// fips140.ko embedded: an in-toto Statement (v1) whose predicate is SLSA
// provenance (v1).
//
// Subjects are the outputs (vmlinux, the embedded fips140.ko, its digest,
// the =m modules), each annotated with its role. resolvedDependencies are the
// inputs: sources, header sets (one digest over the sorted set), objects,
// tool binaries and the kernel .config. internalParameters carry the FIPS
// options and the HMAC key's length and sha256, never the key. The builder
// names the versions of Bazel, rules_go, gazelle and the compilers, and the
// build root's packages as builderDependencies. Nothing in it depends on
// time, the checkout path or the user.
package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"
)

// The fixed type URIs.
const (
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://slsa.dev/provenance/v1"
	BuildType     = "https://github.com/rules-fips140/rules_fips140/vmlinux_with_fips140/v1"
	BuilderID     = "https://github.com/rules-fips140/rules_fips140/bazel"
)

// Subject roles: the annotation "role" of each subject.
const (
	RoleVmlinux      = "vmlinux"
	RoleModule       = "fips140.ko"    // the embedded (certified) module
	RoleDigest       = "fips140.hmac"  // its HMAC-SHA256
	RoleNonfips140   = "nonfips140.ko" // DUAL_VERSION: the fresh module, embedded too
	RoleBuiltModule  = "built.fips140.ko"
	RoleCryptoModule = "crypto_module" // an =m module
)

// Input roles besides "subject:<role>" and "headers:<label>".
const (
	InSource    = "source"
	InObject    = "object"
	InTool      = "tool"
	InConfig    = "config"
	InByproduct = "byproduct"
	InVersions  = "versions" // key=value lines: tool versions
	InBuilder   = "builder"  // key=value lines: bazel, rules_go, gazelle
	InBuildEnv  = "buildenv" // the build root's record: versions, then "# packages" and name=version
	// InPackages is the toolchain's pinned Debian packages: tab-separated
	// name, version, pool path and sha256 lines.
	InPackages = "packages"
)

// ToolchainIdentity is the internalParameters key of the toolchain's
// identity: the sha256 of its packages' "<sha256>  <pool path>" lines,
// sorted.
const ToolchainIdentity = "toolchain_packages_sha256"

// ResourceDescriptor is in-toto's description of one artifact.
type ResourceDescriptor struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	Annotations map[string]any    `json:"annotations,omitempty"`
}

// Statement is an in-toto Statement v1 with an SLSA provenance v1 predicate.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     Predicate            `json:"predicate"`
}

// Predicate is SLSA provenance v1.
type Predicate struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition says what was built from what.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   map[string]any       `json:"externalParameters"`
	InternalParameters   map[string]any       `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
}

// RunDetails says who built it. Metadata stays empty: no timestamps.
type RunDetails struct {
	Builder    Builder              `json:"builder"`
	Metadata   map[string]any       `json:"metadata"`
	Byproducts []ResourceDescriptor `json:"byproducts,omitempty"`
}

// Builder is the build platform: versions, and the build root's packages.
type Builder struct {
	ID                  string               `json:"id"`
	Version             map[string]string    `json:"version,omitempty"`
	BuilderDependencies []ResourceDescriptor `json:"builderDependencies,omitempty"`
}

// Input is one (role, path) pair of the helper's arguments.
type Input struct {
	Role string
	Path string
}

// Options are what Build records besides the inputs.
type Options struct {
	External map[string]string // externalParameters, e.g. target, arch, compiler
	Inputs   []Input
}

var binDir = regexp.MustCompile(`^bazel-out/[^/]+/bin/`)

// Name is the recorded name of a path: the path in the execution root
// without Bazel's output directory (bazel-out/<config>/bin/), so it names
// the same file in every checkout and output base.
func Name(path string) string {
	return binDir.ReplaceAllString(path, "")
}

// depRank orders the roles a path may have twice: the first one wins.
var depRank = map[string]int{InConfig: 0, InTool: 1, InPackages: 1, "headers": 2, InSource: 3, InObject: 4}

// Build hashes every input and returns the statement.
func Build(o Options) (*Statement, error) {
	st := &Statement{
		Type:          StatementType,
		Subject:       []ResourceDescriptor{},
		PredicateType: PredicateType,
		Predicate: Predicate{
			BuildDefinition: BuildDefinition{BuildType: BuildType, ExternalParameters: map[string]any{}, InternalParameters: map[string]any{}},
			RunDetails: RunDetails{
				Builder:  Builder{ID: BuilderID, Version: map[string]string{}},
				Metadata: map[string]any{},
			},
		},
	}
	for k, v := range o.External {
		st.Predicate.BuildDefinition.ExternalParameters[k] = v
	}
	deps := map[string]ResourceDescriptor{}
	depRole := map[string]string{}
	addDep := func(role string, d ResourceDescriptor) {
		rank := strings.SplitN(role, ":", 2)[0]
		if old, ok := depRole[d.Name]; ok && depRank[old] <= depRank[rank] {
			return
		}
		depRole[d.Name] = rank
		deps[d.Name] = d
	}
	headers := map[string][]string{}
	var versions, builder, buildenv []string
	for _, in := range o.Inputs {
		role, _, _ := strings.Cut(in.Role, ":")
		switch role {
		case "subject", InSource, InObject, InTool, InConfig, InByproduct:
			sum, err := integrity.FileSHA256(in.Path)
			if err != nil {
				return nil, err
			}
			d := ResourceDescriptor{Name: Name(in.Path), Digest: map[string]string{"sha256": sum}}
			switch role {
			case "subject":
				d.Annotations = map[string]any{"role": strings.TrimPrefix(in.Role, "subject:")}
				st.Subject = append(st.Subject, d)
			case InByproduct:
				st.Predicate.RunDetails.Byproducts = append(st.Predicate.RunDetails.Byproducts, d)
			default:
				d.Annotations = map[string]any{"role": role}
				if role == InTool {
					real, err := wrappedTool(in.Path)
					if err != nil {
						return nil, err
					}
					if real != "" {
						realSum, err := integrity.FileSHA256(real)
						if err != nil {
							return nil, fmt.Errorf("%s: the program it runs: %w", in.Path, err)
						}
						d.Annotations["runs"] = real
						addDep(role, ResourceDescriptor{
							Name:        real,
							Digest:      map[string]string{"sha256": realSum},
							Annotations: map[string]any{"role": role, "runBy": d.Name},
						})
					}
				}
				addDep(role, d)
			}
			if role == InConfig {
				cfg, err := configParams(in.Path, sum)
				if err != nil {
					return nil, err
				}
				for k, v := range cfg {
					st.Predicate.BuildDefinition.InternalParameters[k] = v
				}
			}
		case "headers":
			label := strings.TrimPrefix(in.Role, "headers:")
			headers[label] = append(headers[label], in.Path)
		case InVersions:
			versions = append(versions, in.Path)
		case InBuilder:
			builder = append(builder, in.Path)
		case InBuildEnv:
			buildenv = append(buildenv, in.Path)
		case InPackages:
			pkgs, err := ReadPackages(in.Path)
			if err != nil {
				return nil, err
			}
			for _, p := range pkgs {
				addDep(InPackages, p.descriptor())
			}
			st.Predicate.BuildDefinition.InternalParameters[ToolchainIdentity] = packagesIdentity(pkgs)
		default:
			return nil, fmt.Errorf("%s: unknown role %q", in.Path, in.Role)
		}
	}
	for label, paths := range headers {
		d, err := headerSet(label, paths)
		if err != nil {
			return nil, err
		}
		addDep("headers", d)
	}
	for _, d := range deps {
		st.Predicate.BuildDefinition.ResolvedDependencies = append(st.Predicate.BuildDefinition.ResolvedDependencies, d)
	}
	if err := recordVersions(&st.Predicate.RunDetails.Builder, builder, versions, buildenv); err != nil {
		return nil, err
	}
	byName := func(s []ResourceDescriptor) {
		sort.Slice(s, func(i, j int) bool { return s[i].Name+"\x00"+s[i].URI < s[j].Name+"\x00"+s[j].URI })
	}
	byName(st.Subject)
	byName(st.Predicate.BuildDefinition.ResolvedDependencies)
	byName(st.Predicate.RunDetails.Byproducts)
	byName(st.Predicate.RunDetails.Builder.BuilderDependencies)
	return st, nil
}

// toolWrapper is the script @kernel_tools writes for each host tool
// (rules/private/host_tools.bzl): it runs the tool at its real path.
var toolWrapper = regexp.MustCompile(`^#!/bin/sh\nexec '([^']+)' "\$@"\n$`)

// wrappedTool returns the real program a tool wrapper script runs, with
// its symlinks resolved, or "" when path is not such a script.
func wrappedTool(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	m := toolWrapper.FindSubmatch(head[:n])
	if m == nil {
		return "", nil
	}
	real, err := filepath.EvalSymlinks(string(m[1]))
	if err != nil {
		return "", fmt.Errorf("%s: the program it runs: %w", path, err)
	}
	return real, nil
}

// headerSet digests a set of files: sha256 over the sorted lines
// "<sha256>  <name>\n", as `sha256sum` prints them.
func headerSet(label string, paths []string) (ResourceDescriptor, error) {
	lines := make([]string, 0, len(paths))
	seen := map[string]bool{}
	for _, p := range paths {
		sum, err := integrity.FileSHA256(p)
		if err != nil {
			return ResourceDescriptor{}, err
		}
		line := sum + "  " + Name(p) + "\n"
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return ResourceDescriptor{
		Name:   "headers:" + strings.TrimPrefix(label, "@@"),
		Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])},
		Annotations: map[string]any{
			"role":     "headers",
			"files":    len(lines),
			"digestOf": "the sorted lines `<sha256>  <name>` of every file in the set, as sha256sum prints them",
		},
	}, nil
}

// configParams reads the .config's FIPS options and its key's length and
// sha256.
func configParams(path, sum string) (map[string]any, error) {
	cfg, err := kconfig.ParseFile(path)
	if err != nil {
		return nil, err
	}
	fips := map[string]string{}
	for _, sym := range cfg.Symbols() {
		if strings.HasPrefix(sym, "CRYPTO_FIPS") && sym != integrity.KeySymbol {
			e, _ := cfg.Lookup(sym)
			fips[kconfig.Prefix+sym] = e.Value
		}
	}
	key, err := integrity.KeyFromParsedConfig(cfg, path, 0, nil)
	if err != nil {
		return nil, err
	}
	keySum := sha256.Sum256(key.Bytes)
	return map[string]any{
		"kernelConfig": map[string]any{"name": Name(path), "sha256": sum, "fips140": fips},
		"hmacKey":      map[string]any{"length": len(key.Bytes), "sha256": hex.EncodeToString(keySum[:])},
	}, nil
}

// recordVersions fills builder.version (builder files first, then tool
// versions, then the build root's own tool lines) and the build root's
// packages.
func recordVersions(b *Builder, builder, versions, buildenv []string) error {
	for _, group := range [][]string{builder, versions} {
		for _, path := range group {
			kv, _, err := readRecord(path)
			if err != nil {
				return err
			}
			for k, v := range kv {
				if _, ok := b.Version[k]; !ok {
					b.Version[k] = v
				}
			}
		}
	}
	for _, path := range buildenv {
		tools, pkgs, err := readRecord(path)
		if err != nil {
			return err
		}
		for k, v := range tools {
			if _, ok := b.Version[k]; !ok {
				b.Version[k] = v
			}
		}
		for name, version := range pkgs {
			b.BuilderDependencies = append(b.BuilderDependencies, ResourceDescriptor{
				Name:        name,
				URI:         "pkg:deb/debian/" + name + "@" + strings.ReplaceAll(version, ":", "%3A"),
				Annotations: map[string]any{"version": version},
			})
		}
	}
	return nil
}

// readRecord reads key=value lines; those after a "# packages" comment are
// packages. Other comments and blank lines are skipped.
func readRecord(path string) (kv, pkgs map[string]string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	kv, pkgs = map[string]string{}, map[string]string{}
	cur := kv
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "# packages") {
			cur = pkgs
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("%s:%d: want name=value, got %q", path, i+1, line)
		}
		cur[k] = v
	}
	return kv, pkgs, nil
}

// Marshal encodes the statement with every object's keys sorted, two-space
// indented, with a final newline.
func Marshal(st *Statement) ([]byte, error) {
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	// Struct fields keep their declaration order; maps are sorted.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Package is one pinned Debian package of the toolchain.
type Package struct {
	Name, Version, Pool, SHA256 string
}

func (p Package) descriptor() ResourceDescriptor {
	return ResourceDescriptor{
		Name:        p.Name,
		URI:         "pkg:deb/debian/" + p.Name + "@" + strings.ReplaceAll(p.Version, ":", "%3A") + "?arch=" + debArch(p.Pool),
		Digest:      map[string]string{"sha256": p.SHA256},
		Annotations: map[string]any{"role": InPackages, "version": p.Version, "pool": p.Pool},
	}
}

// debArch is the architecture a pool file name ends in (_amd64.deb).
func debArch(pool string) string {
	base := strings.TrimSuffix(filepath.Base(pool), ".deb")
	return base[strings.LastIndex(base, "_")+1:]
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ReadPackages reads a packages file: "name<TAB>version<TAB>pool<TAB>sha256" lines.
func ReadPackages(path string) ([]Package, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePackages(path, data)
}

// ParsePackages parses a packages file's text; path names it in errors.
func ParsePackages(path string, data []byte) ([]Package, error) {
	var pkgs []Package
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want name, version, pool path and sha256 separated by tabs, got %q", path, i+1, line)
		}
		p := Package{Name: f[0], Version: f[1], Pool: f[2], SHA256: f[3]}
		switch {
		case p.Name == "" || p.Version == "":
			return nil, fmt.Errorf("%s:%d: empty package name or version", path, i+1)
		case !strings.HasPrefix(p.Pool, "pool/") || !strings.HasSuffix(p.Pool, ".deb"):
			return nil, fmt.Errorf("%s:%d: %q is not a pool path (pool/...deb)", path, i+1, p.Pool)
		case !sha256Hex.MatchString(p.SHA256):
			return nil, fmt.Errorf("%s:%d: %q is not a sha256", path, i+1, p.SHA256)
		case seen[p.Pool]:
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, i+1, p.Pool)
		}
		seen[p.Pool] = true
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("%s: no packages", path)
	}
	return pkgs, nil
}

// packagesIdentity is the sha256 of the sorted "<sha256>  <pool path>" lines.
func packagesIdentity(pkgs []Package) string {
	lines := make([]string, len(pkgs))
	for i, p := range pkgs {
		lines[i] = p.SHA256 + "  " + p.Pool + "\n"
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])
}
