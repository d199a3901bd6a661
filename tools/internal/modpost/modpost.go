package modpost

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"syscall"

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
	// VmlinuxComplete (ours, with -c): the -i files hold every export of
	// vmlinux, so an unresolved symbol is reported as without -c: the
	// module could not load.
	VmlinuxComplete bool
	// StripPrefix is removed from object paths to form module names, so
	// that Module.symvers holds "crypto/fips140" and not the build
	// directory. The .mod.c files are still written next to the objects.
	StripPrefix string

	Modversions      bool // -m: read CRCs, write SYMBOL_CRC lines, import module_layout
	BasicVersions    bool // -b: write the __versions table
	ExtendedVersions bool // -x: write the __version_ext_crcs and __version_ext_names tables
	AllSrcversions   bool // -a: srcversion for every module, not only those with MODULE_VERSION

	// ReadFile reads kbuild's side files: <mod>.mod, .<obj>.o.cmd and,
	// for srcversion, the sources they name. Paths are used as those
	// files give them (relative ones against the working directory).
	// nil means os.ReadFile. With Modversions it is called from several
	// goroutines at once.
	ReadFile func(name string) ([]byte, error)
}

// SymversFile is a parsed Module.symvers given with -i.
type SymversFile struct {
	Name    string
	Exports []symvers.Export
}

// Diag is one message modpost prints: "ERROR: modpost: " or
// "WARNING: modpost: " followed by Msg (which ends in a newline), or Msg
// alone when Plain is set (modpost's perror before it exits).
type Diag struct {
	Error bool
	Plain bool
	Msg   string
}

func (d Diag) String() string {
	if d.Plain {
		return d.Msg
	}
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

// Result is what a modpost run produces. When Failed is set, Symvers is
// nil and ModC holds only the files modpost wrote before the first error
// (an error found while writing a .mod.c stops that file and the later
// ones; one found earlier stops them all).
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
	// undef is obj.Undefined, plus module_layout with -m.
	undef []Undefined
	// imports holds the export resolving each undef entry, nil when
	// unresolved.
	imports    []*symbol
	gplCompat  bool
	importedNS []string
	missingNS  []string
	aliases    []string // MODULE_ALIAS strings from device tables
	srcversion string
}

type symbol struct {
	name      string
	owner     *module
	gplOnly   bool
	namespace string
	isFunc    bool
	crc       uint32
	crcValid  bool // a CRC was read (always for symvers files)
}

type run struct {
	cfg          Config
	res          Result
	modules      []*module
	symbols      map[string]*symbol // latest export of each name
	nrUnresolved int
	// crcFiles holds the .mod and .cmd files that readCRCs will need,
	// read and parsed ahead by prefetchCRCs, by path.
	crcFiles map[string]crcFile
}

func (r *run) errorf(format string, args ...any) {
	r.res.Diags = append(r.res.Diags, Diag{Error: true, Msg: fmt.Sprintf(format, args...)})
	r.res.Failed = true
}

func (r *run) warnf(format string, args ...any) {
	r.res.Diags = append(r.res.Diags, Diag{Msg: fmt.Sprintf(format, args...)})
}

// stop is panicked to end a run the way modpost exits at once.
type stop struct{}

// readSideFile reads one of kbuild's side files. On failure it ends the
// run as modpost does: perror's message, exit status 1, no files written.
func (r *run) readSideFile(name string) []byte {
	data, err := r.readFunc()(name)
	if err != nil {
		r.sideFileFailed(name, err)
	}
	return data
}

// sideFileFailed ends the run for a side file that could not be read.
func (r *run) sideFileFailed(name string, err error) {
	r.res.Diags = append(r.res.Diags, Diag{Plain: true, Msg: name + ": " + strerror(err) + "\n"})
	r.res.Failed = true
	panic(stop{})
}

func (r *run) readFunc() func(string) ([]byte, error) {
	if r.cfg.ReadFile != nil {
		return r.cfg.ReadFile
	}
	return os.ReadFile
}

// strerror returns the C library's text for the error number in err,
// e.g. "No such file or directory".
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
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
	r := &run{cfg: cfg}
	func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(stop); !ok {
					panic(p)
				}
				r.res.ModC, r.res.Symvers = nil, nil
			}
		}()
		r.run(dumps, objects)
	}()
	return &r.res
}

func (r *run) run(dumps []SymversFile, objects []*Object) {
	n := 0
	for _, d := range dumps {
		n += len(d.Exports)
	}
	for _, o := range objects {
		n += len(o.Exports)
	}
	r.symbols = make(map[string]*symbol, n)
	if r.cfg.Modversions {
		r.prefetchCRCs(objects)
	}
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
	r.modCs()
	if !r.res.Failed {
		r.res.Symvers = r.dump()
	}
}

// modCs generates the .mod.c files of the modules read from objects, on
// up to GOMAXPROCS goroutines, each module with a run of its own for the
// messages. They are then taken in module order as if generated one
// after the other: the messages of each, and its file unless it or an
// earlier step failed.
func (r *run) modCs() {
	var mods []*module
	for _, m := range r.modules {
		if m.dumpFile == "" && !m.isVmlinux {
			mods = append(mods, m)
		}
	}
	files := make([]ModC, len(mods))
	results := make([]Result, len(mods))
	forEach(len(mods), func(i int) {
		sub := &run{cfg: r.cfg}
		files[i] = ModC{Path: strings.TrimSuffix(mods[i].obj.Path, ".o") + ".mod.c", Content: sub.modC(mods[i])}
		results[i] = sub.res
	})
	for i, res := range results {
		r.res.Diags = append(r.res.Diags, res.Diags...)
		r.res.Failed = r.res.Failed || res.Failed
		if !r.res.Failed {
			r.res.ModC = append(r.res.ModC, files[i])
		}
	}
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
		s.crc, s.crcValid = e.CRC, true
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
	m.undef = o.Undefined[:len(o.Undefined):len(o.Undefined)]
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
	// COMMON warnings and device tables, in symbol table order.
	common, tables := o.Common, o.DeviceTables
	for len(common) > 0 || len(tables) > 0 {
		if len(tables) == 0 || (len(common) > 0 && common[0].SymIndex < tables[0].SymIndex) {
			r.warnf("\"%s\" [%s] is COMMON symbol\n", common[0].Name, m.name)
			common = common[1:]
		} else {
			r.addDeviceTable(m, tables[0])
			tables = tables[1:]
		}
	}
	for _, d := range o.Diags {
		r.log(d.Error, "%s%s%s", m.name, d.Sep, d.Text)
	}
	for _, e := range o.Exports {
		s := r.addExport(m, e.Name, e.GPLOnly, e.Namespace)
		s.isFunc = e.IsFunc
	}
	// modpost names the side files after the object path, which is the
	// module name unless StripPrefix is set.
	modFile := strings.TrimSuffix(o.Path, ".o") + ".mod"
	if len(o.ModInfoValues("version")) > 0 || r.cfg.AllSrcversions {
		m.srcversion = r.srcVersion(modFile)
	}
	if r.cfg.Modversions {
		// The kernel checks struct module's layout through this
		// symbol's CRC.
		m.undef = append(m.undef, Undefined{Name: "module_layout"})
		r.readCRCs(m, modFile)
	}
}

// readCRCs sets the CRCs of m's exports from the #SYMVER lines of the
// .cmd files of the objects modFile lists.
func (r *run) readCRCs(m *module, modFile string) {
	if len(modFile) >= pathMax {
		r.errorf("%s: too long path was truncated\n", modFile[:pathMax-1])
		return
	}
	for _, obj := range r.crcFile(modFile, true).objects {
		cmd := crcCmdPath(obj)
		if len(cmd) >= pathMax {
			r.errorf("%s: too long path was truncated\n", cmd[:pathMax-1])
			continue
		}
		for _, v := range r.crcFile(cmd, false).crcs {
			// CRCs of symbols the module does not export are ignored.
			if s := m.export(strings.TrimPrefix(v.Name, ".")); s != nil {
				s.crc, s.crcValid = v.CRC, true
			}
		}
	}
}

// crcFile is a side file readCRCs reads, parsed: a <mod>.mod file's
// objects, or a .cmd file's #SYMVER lines; err is why it could not be read.
type crcFile struct {
	objects []string
	crcs    []SymverCRC
	err     error
}

// readCRCFile reads and parses the .mod (isMod) or .cmd file name.
func readCRCFile(read func(string) ([]byte, error), name string, isMod bool) crcFile {
	data, err := read(name)
	switch {
	case err != nil:
		return crcFile{err: err}
	case isMod:
		return crcFile{objects: ModObjects(data)}
	}
	return crcFile{crcs: ParseSymvers(data)}
}

// crcFile returns the side file name, parsed, from those prefetchCRCs read
// or else by reading it now. A file that could not be read ends the run
// here, as in modpost.
func (r *run) crcFile(name string, isMod bool) crcFile {
	f, ok := r.crcFiles[name]
	if !ok {
		f = readCRCFile(r.readFunc(), name, isMod)
	}
	if f.err != nil {
		r.sideFileFailed(name, f.err)
	}
	return f
}

// prefetchCRCs reads and parses, on up to GOMAXPROCS goroutines, the .mod
// file of every object and the .cmd files it lists, the files readCRCs
// will need, into r.crcFiles. Problems are kept, so that readCRCs reports
// them where it meets them, in module order; a module's files after the
// first it cannot read are left to readCRCs.
func (r *run) prefetchCRCs(objects []*Object) {
	read := r.readFunc()
	type entry struct {
		names []string
		files []crcFile
	}
	entries := make([]entry, len(objects))
	forEach(len(objects), func(i int) {
		p := objects[i].Path
		if !strings.HasSuffix(p, ".o") {
			return
		}
		e := &entries[i]
		add := func(name string, isMod bool) bool {
			if len(name) >= pathMax {
				return false
			}
			f := readCRCFile(read, name, isMod)
			e.names, e.files = append(e.names, name), append(e.files, f)
			return f.err == nil
		}
		mod := strings.TrimSuffix(p, ".o") + ".mod"
		if !add(mod, true) {
			return
		}
		for _, obj := range e.files[0].objects {
			if !add(crcCmdPath(obj), false) {
				return
			}
		}
	})
	n := 0
	for _, e := range entries {
		n += len(e.names)
	}
	r.crcFiles = make(map[string]crcFile, n)
	for _, e := range entries {
		for j, name := range e.names {
			r.crcFiles[name] = e.files[j]
		}
	}
}

// export returns m's latest export of name, or nil.
func (m *module) export(name string) *symbol {
	for i := len(m.exports) - 1; i >= 0; i-- {
		if m.exports[i].name == name {
			return m.exports[i]
		}
	}
	return nil
}

func (r *run) checkExports(m *module) {
	base := path.Base(m.name)
	m.imports = make([]*symbol, len(m.undef))
	for i, u := range m.undef {
		exp := r.symbols[strings.TrimPrefix(u.Name, ".")] // ".foo" is foo (PPC64)
		if exp == nil {
			if r.cfg.Crypto && !r.cfg.VmlinuxComplete {
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
		m.imports[i] = exp
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
