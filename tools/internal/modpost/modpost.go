package modpost

import (
	"debug/elf"
	"fmt"
	"path"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/symvers"
)

// Config holds modpost's options. The flag each field mirrors is in its
// comment.
type Config struct {
	External              bool // -e: external module; no intree tag, in-tree exports may be overridden
	WarnUnresolved        bool // -w: unresolved symbols are warnings
	AllowMissingNSImports bool // -N: a namespace that is not imported is a warning
	// Crypto is the Amazon series' -c: unresolved symbols are skipped and
	// the symbol dump leaves out vmlinux's exports.
	Crypto bool
	// StripPrefix is removed from object paths to form module names, so
	// that Module.symvers holds "crypto/fips140" and not the build
	// directory. The .mod.c files are still written next to the objects.
	StripPrefix string
}

// SymversFile is a parsed Module.symvers given with -i.
type SymversFile struct {
	Name    string
	Exports []symvers.Export
}

// Diag is one message modpost prints: "ERROR: modpost: " or
// "WARNING: modpost: " followed by Msg (which ends in a newline).
type Diag struct {
	Error bool
	Msg   string
}

func (d Diag) String() string {
	if d.Error {
		return "ERROR: modpost: " + d.Msg
	}
	return "WARNING: modpost: " + d.Msg
}

// ModC is a generated <mod>.mod.c file.
type ModC struct {
	Path    string // the object's path with ".o" replaced by ".mod.c"
	Content []byte
}

// Result is what a modpost run produces. When Failed is set, modpost writes
// no files.
type Result struct {
	Diags   []Diag
	Failed  bool
	ModC    []ModC
	Symvers []symvers.Export // the symbol dump (-o)
}

// maxUnresolvedReports is how many unresolved symbols modpost reports.
const maxUnresolvedReports = 10

// moduleNameLen is MODULE_NAME_LEN on 64-bit targets.
const moduleNameLen = 64 - 8

type module struct {
	name      string
	dumpFile  string // set for modules known only from a symvers file
	isVmlinux bool
	obj       *Object
	exports   []*symbol
	// resolved owner of each obj.Undefined entry, nil when unresolved
	owners       []*module
	gplCompat    bool
	importedNS   []string
	missingNS    []string
	seen         bool
	hasDeviceTbl bool
}

type symbol struct {
	name      string
	owner     *module
	gplOnly   bool
	namespace string
	isFunc    bool
	crc       uint32
}

type run struct {
	cfg          Config
	res          Result
	modules      []*module
	symbols      map[string]*symbol // latest export of each name
	nrUnresolved int
}

func (r *run) errorf(format string, args ...any) {
	r.res.Diags = append(r.res.Diags, Diag{Error: true, Msg: fmt.Sprintf(format, args...)})
	r.res.Failed = true
}

func (r *run) warnf(format string, args ...any) {
	r.res.Diags = append(r.res.Diags, Diag{Msg: fmt.Sprintf(format, args...)})
}

func (r *run) log(isError bool, format string, args ...any) {
	if isError {
		r.errorf(format, args...)
	} else {
		r.warnf(format, args...)
	}
}

// Run checks the objects against each other and the symvers files, and
// generates the .mod.c files and the symbol dump, as modpost -M does.
// Objects are modules in the order given; their Path must end in ".o".
func Run(cfg Config, dumps []SymversFile, objects []*Object) *Result {
	n := 0
	for _, d := range dumps {
		n += len(d.Exports)
	}
	for _, o := range objects {
		n += len(o.Exports)
	}
	r := &run{cfg: cfg, symbols: make(map[string]*symbol, n)}
	for _, d := range dumps {
		r.readDump(d)
	}
	var machineFrom *Object
	for _, o := range objects {
		if machineFrom != nil && o.Machine != machineFrom.Machine {
			r.errorf("%s is %s but %s is %s: mixed architectures\n",
				o.Path, machineNames[o.Machine], machineFrom.Path, machineNames[machineFrom.Machine])
			continue
		}
		machineFrom = o
		r.addObject(o)
	}
	for _, m := range r.modules {
		if m.dumpFile != "" || m.isVmlinux {
			continue
		}
		if len(path.Base(m.name)) >= moduleNameLen {
			r.errorf("module name is too long [%s.ko]\n", m.name)
		}
		r.checkExports(m)
	}
	if r.nrUnresolved > maxUnresolvedReports {
		defer r.warnf("suppressed %d unresolved symbol warnings because there were too many)\n",
			r.nrUnresolved-maxUnresolvedReports)
	}
	for _, m := range r.modules {
		if m.dumpFile != "" || m.isVmlinux {
			continue
		}
		r.res.ModC = append(r.res.ModC, ModC{
			Path:    strings.TrimSuffix(m.obj.Path, ".o") + ".mod.c",
			Content: r.modC(m),
		})
	}
	r.res.Symvers = r.dump()
	if r.res.Failed {
		r.res.ModC, r.res.Symvers = nil, nil
	}
	return &r.res
}

func (r *run) newModule(name string) *module {
	m := &module{name: name, isVmlinux: name == "vmlinux", gplCompat: true}
	r.modules = append(r.modules, m)
	return m
}

func (r *run) addExport(m *module, name string, gplOnly bool, namespace string) *symbol {
	if prev := r.symbols[name]; prev != nil && (!r.cfg.External || prev.owner.isVmlinux || prev.owner == m) {
		suffix := ".ko"
		if prev.owner.isVmlinux {
			suffix = ""
		}
		r.errorf("%s: '%s' exported twice. Previous export was in %s%s\n", m.name, name, prev.owner.name, suffix)
	}
	s := &symbol{name: name, owner: m, gplOnly: gplOnly, namespace: namespace}
	m.exports = append(m.exports, s)
	r.symbols[name] = s
	return s
}

func (r *run) readDump(d SymversFile) {
	byName := map[string]*module{}
	for _, e := range d.Exports {
		m := byName[e.Module]
		if m == nil {
			m = r.newModule(e.Module)
			m.dumpFile = d.Name
			byName[e.Module] = m
		}
		s := r.addExport(m, e.Symbol, e.GPLOnly, e.Namespace)
		s.crc = e.CRC
	}
}

func (r *run) addObject(o *Object) {
	if !strings.HasSuffix(o.Path, ".o") {
		r.errorf("%s: filename must be suffixed with .o\n", o.Path)
		return
	}
	name := strings.TrimPrefix(strings.TrimSuffix(o.Path, ".o"), r.cfg.StripPrefix)
	m := r.newModule(name)
	m.obj = o
	m.owners = make([]*module, len(o.Undefined))
	if m.isVmlinux {
		r.errorf("%s: reading vmlinux objects is not supported; pass vmlinux's exports with -i\n", o.Path)
		return
	}
	licenses := o.ModInfoValues("license")
	if len(licenses) == 0 {
		r.errorf("missing MODULE_LICENSE() in %s\n", o.Path)
	}
	for _, l := range licenses {
		if !licenseIsGPLCompatible(l) {
			m.gplCompat = false
			break
		}
	}
	for _, ns := range o.ModInfoValues("import_ns") {
		if strings.HasPrefix(ns, "module:") {
			r.errorf("%s: explicitly importing namespace \"%s\" is not allowed.\n", m.name, ns)
		}
		m.importedNS = addNamespace(m.importedNS, ns)
	}
	if len(o.ModInfoValues("description")) == 0 {
		r.warnf("missing MODULE_DESCRIPTION() in %s\n", o.Path)
	}
	for _, c := range o.Common {
		r.warnf("\"%s\" [%s] is COMMON symbol\n", c, m.name)
	}
	if len(o.DeviceTables) > 0 {
		r.errorf("%s: MODULE_DEVICE_TABLE (%s) is not supported: its aliases would be missing from the .mod.c\n", o.Path, o.DeviceTables[0])
	}
	if len(o.ModInfoValues("version")) > 0 {
		r.errorf("%s: MODULE_VERSION is not supported: its srcversion would be missing from the .mod.c\n", o.Path)
	}
	for _, d := range o.Diags {
		r.log(d.Error, "%s%s%s", m.name, d.Sep, d.Text)
	}
	for _, e := range o.Exports {
		s := r.addExport(m, e.Name, e.GPLOnly, e.Namespace)
		s.isFunc = e.IsFunc
	}
}

func (r *run) checkExports(m *module) {
	base := path.Base(m.name)
	for i, u := range m.obj.Undefined {
		exp := r.symbols[u.Name]
		if exp == nil {
			if r.cfg.Crypto {
				continue
			}
			if !u.Weak {
				r.nrUnresolved++
				if r.nrUnresolved <= maxUnresolvedReports {
					r.log(!r.cfg.WarnUnresolved, "\"%s\" [%s.ko] undefined!\n", u.Name, m.name)
				}
			}
			continue
		}
		if exp.owner == m {
			r.errorf("\"%s\" [%s.ko] was exported without definition\n", u.Name, m.name)
			continue
		}
		m.owners[i] = exp.owner
		if !moduleNamespaceAllows(exp.namespace, base) && !containsNamespace(m.importedNS, exp.namespace) {
			r.log(!r.cfg.AllowMissingNSImports,
				"module %s uses symbol %s from namespace %s, but does not import it.\n", base, exp.name, exp.namespace)
			m.missingNS = addNamespace(m.missingNS, exp.namespace)
		}
		if !m.gplCompat && exp.gplOnly {
			r.errorf("GPL-incompatible module %s.ko uses GPL-only symbol '%s'\n", base, exp.name)
		}
	}
}

// moduleNamespaceAllows reports whether a "module:a,b*" namespace lets the
// module named modname use the symbol. Patterns may end in one '*'.
func moduleNamespaceAllows(namespace, modname string) bool {
	list, ok := strings.CutPrefix(namespace, "module:")
	if !ok {
		return false
	}
	for _, pat := range strings.Split(list, ",") {
		if pat == "" {
			continue
		}
		if prefix, glob := strings.CutSuffix(pat, "*"); glob {
			if strings.HasPrefix(modname, prefix) {
				return true
			}
		} else if pat == modname {
			return true
		}
	}
	return false
}

func containsNamespace(list []string, ns string) bool {
	if ns == "" {
		return true
	}
	for _, n := range list {
		if n == ns {
			return true
		}
	}
	return false
}

func addNamespace(list []string, ns string) []string {
	if containsNamespace(list, ns) {
		return list
	}
	return append(list, ns)
}

// licenseIsGPLCompatible mirrors include/linux/license.h.
func licenseIsGPLCompatible(l string) bool {
	switch l {
	case "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL":
		return true
	}
	return false
}

// dump returns the symbol dump: the exports of every module read from an
// object, in order. In crypto mode vmlinux's exports are left out.
func (r *run) dump() []symvers.Export {
	var out []symvers.Export
	for _, m := range r.modules {
		if m.dumpFile != "" || (r.cfg.Crypto && m.isVmlinux) {
			continue
		}
		for _, s := range m.exports {
			out = append(out, symvers.Export{CRC: s.crc, Symbol: s.name, Module: m.name, GPLOnly: s.gplOnly, Namespace: s.namespace})
		}
	}
	return out
}

// Arch returns the architecture name ("x86_64" or "aarch64") of a machine.
func Arch(m elf.Machine) string { return machineNames[m] }
