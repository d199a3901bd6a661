package boot

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ExpectedAlg is an algorithm a module must register: Name matches the
// record's name or driver.
type ExpectedAlg struct {
	Module, Name string
}

// ParseExpectedAlg parses "MODULE:NAME".
func ParseExpectedAlg(s string) (ExpectedAlg, error) {
	m, n, ok := strings.Cut(s, ":")
	if !ok || m == "" || n == "" {
		return ExpectedAlg{}, fmt.Errorf("expected algorithm %q: want MODULE:NAME", s)
	}
	return ExpectedAlg{Module: m, Name: n}, nil
}

// PreferredAlg is an algorithm name whose highest-priority implementation
// in /proc/crypto must be Driver (an accelerated driver winning over the
// generic one).
type PreferredAlg struct {
	Name, Driver string
}

// ParsePreferredAlg parses "NAME=DRIVER".
func ParsePreferredAlg(s string) (PreferredAlg, error) {
	n, d, ok := strings.Cut(s, "=")
	if !ok || n == "" || d == "" {
		return PreferredAlg{}, fmt.Errorf("preferred algorithm %q: want NAME=DRIVER", s)
	}
	return PreferredAlg{Name: n, Driver: d}, nil
}

// Expect is what a boot must show.
type Expect struct {
	Scenario    Scenario
	Files       []string // module files in load order (base names)
	FIPSModule  string   // the module whose algorithms must all pass, "fips140"
	Algs        []ExpectedAlg
	Preferred   []PreferredAlg
	MinFIPSAlgs int // in Load: at least this many FIPSModule algorithms
}

// Verdict is the judgement of one boot.
type Verdict struct {
	Failures []string
	Notes    []string // what passed, for the report
}

// OK reports whether the boot passed.
func (v *Verdict) OK() bool { return len(v.Failures) == 0 }

func (v *Verdict) fail(format string, args ...any) {
	v.Failures = append(v.Failures, fmt.Sprintf(format, args...))
}

func (v *Verdict) note(format string, args ...any) {
	v.Notes = append(v.Notes, fmt.Sprintf(format, args...))
}

// badKernelLog matches kernel log lines that fail a boot.
var badKernelLog = regexp.MustCompile(`WARNING:|\bBUG:|kernel BUG|\bOops\b|(?i:call trace:)`)

// Judge judges the serial log l of a boot against e.
func Judge(l *Log, e Expect) *Verdict {
	v := &Verdict{}
	if !l.Started {
		v.fail("the /init script never started (see the serial log)")
		return v
	}
	if !l.Done {
		v.fail("the /init script did not finish: the guest crashed or hung")
	}
	fipsFile := ""
	if e.Scenario == Reject && len(e.Files) > 0 {
		fipsFile = e.Files[len(e.Files)-1]
	}
	var loaded []string // module names that must be loaded
	for _, f := range e.Files {
		rc, ran := l.insmodRC(f)
		switch {
		case !ran:
			v.fail("insmod %s did not run", f)
		case f == fipsFile && rc == 0:
			v.fail("insmod %s succeeded, but it must fail: an earlier module registered one of its algorithms", f)
		case f == fipsFile:
			v.note("insmod %s failed as it must (exit status %d)", f, rc)
		case rc != 0:
			v.fail("insmod %s failed (exit status %d)", f, rc)
		}
		if f != fipsFile {
			loaded = append(loaded, ModuleName(f))
		}
	}
	isLoaded := map[string]bool{}
	for _, m := range loaded {
		isLoaded[m] = true
	}
	for _, s := range l.Steps {
		if s.Verb == "rmmod" && s.RC != 0 {
			v.fail("rmmod %s failed (exit status %d)", s.Arg, s.RC)
		}
	}

	if algs, ok := v.crypto(l, SectionLoaded); ok {
		byModule := map[string][]Alg{}
		for _, a := range algs {
			byModule[a.Module] = append(byModule[a.Module], a)
		}
		for _, m := range loaded {
			// A library module (blowfish_common) registers none; the
			// ones that must register are named in Expect.Algs.
			if len(byModule[m]) == 0 {
				v.note("module %s registered no algorithm (a library module)", m)
			}
			for _, a := range byModule[m] {
				if a.Selftest != "passed" {
					v.fail("%s (%s, module %s): selftest is %q, not passed", a.Driver, a.Name, m, a.Selftest)
				}
			}
		}
		fips := byModule[e.FIPSModule]
		switch {
		case fipsFile != "" && len(fips) > 0:
			v.fail("insmod %s failed, yet %s algorithms are registered: %s", fipsFile, e.FIPSModule, drivers(fips))
		case fipsFile == "" && len(fips) < e.MinFIPSAlgs:
			v.fail("%d %s algorithms in /proc/crypto, want at least %d", len(fips), e.FIPSModule, e.MinFIPSAlgs)
		case fipsFile == "" && len(fips) > 0:
			v.note("%d %s algorithms: %s", len(fips), e.FIPSModule, drivers(fips))
		}
		for _, want := range e.Algs {
			if fipsFile != "" && want.Module == e.FIPSModule {
				continue
			}
			found := false
			for _, a := range algs {
				if a.Name != want.Name && a.Driver != want.Name {
					continue
				}
				if a.Module == want.Module {
					found = true
				}
			}
			if !found {
				v.fail("no algorithm %s of module %s in /proc/crypto (%s)", want.Name, want.Module, providers(algs, want.Name))
			}
		}
		for _, want := range e.Preferred {
			v.preferred(algs, want)
		}
		for _, m := range loaded {
			if m != e.FIPSModule && len(byModule[m]) > 0 {
				v.note("module %s: %s", m, drivers(byModule[m]))
			}
		}
	}

	if algs, ok := v.crypto(l, SectionUnloaded); ok {
		for _, a := range algs {
			if isLoaded[a.Module] || a.Module == e.FIPSModule {
				v.fail("after rmmod, %s (%s) of module %s is still registered", a.Driver, a.Name, a.Module)
			}
		}
	}

	// After the rmmods no module of the boot may be left: not the loaded
	// ones, and not the one that had to fail.
	if mods, ok := l.Sections[SectionModules]; !ok {
		v.fail("the serial log has no %s section", SectionModules)
	} else {
		for _, line := range strings.Split(mods, "\n") {
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			if name != "" && (isLoaded[name] || name == e.FIPSModule) {
				v.fail("after rmmod, module %s is still in /proc/modules: %s", name, strings.TrimSpace(line))
			}
		}
	}

	if dmesg, ok := l.Sections[SectionDmesg]; !ok {
		v.fail("the serial log has no %s section", SectionDmesg)
	} else {
		at := strings.Index(dmesg, KmsgMarker)
		if at < 0 {
			v.fail("the kernel log lacks the line %q written before the first insmod", KmsgMarker)
		} else {
			bad := 0
			for _, line := range strings.Split(dmesg[at:], "\n") {
				// A module refused for its symbols never ran its init: the
				// failure path was not tested.
				if fipsFile != "" && strings.Contains(line, e.FIPSModule+": exports duplicate symbol") {
					v.fail("%s was refused before its init ran (%s): the earlier modules must register one of its algorithms without exporting its symbols", fipsFile, strings.TrimSpace(line))
				}
				if badKernelLog.MatchString(line) {
					if bad < 5 {
						v.fail("kernel log: %s", strings.TrimSpace(line))
					}
					bad++
				}
			}
			if bad > 5 {
				v.fail("kernel log: %d more such lines", bad-5)
			}
		}
	}
	return v
}

func (v *Verdict) crypto(l *Log, section string) ([]Alg, bool) {
	text, ok := l.Sections[section]
	if !ok {
		v.fail("the serial log has no %s section", section)
		return nil, false
	}
	algs, err := ParseProcCrypto(text)
	if err != nil {
		v.fail("%s: %v", section, err)
		return nil, false
	}
	return algs, true
}

func (l *Log) insmodRC(file string) (rc int, ran bool) {
	for _, s := range l.Steps {
		if s.Verb == "insmod" && s.Arg == file {
			return s.RC, true
		}
	}
	return 0, false
}

func drivers(algs []Alg) string {
	var d []string
	for _, a := range algs {
		d = append(d, a.Driver)
	}
	sort.Strings(d)
	return strings.Join(d, " ")
}

func providers(algs []Alg, name string) string {
	var p []string
	for _, a := range algs {
		if a.Name == name || a.Driver == name {
			p = append(p, a.Driver+" is module "+a.Module)
		}
	}
	if len(p) == 0 {
		return "nothing by that name or driver"
	}
	return strings.Join(p, "; ")
}

// preferred checks that want.Driver has the highest priority of the
// implementations of want.Name, the one the crypto API picks.
func (v *Verdict) preferred(algs []Alg, want PreferredAlg) {
	var best *Alg
	bestPrio := -1
	for i, a := range algs {
		if a.Name != want.Name {
			continue
		}
		prio, err := strconv.Atoi(a.Fields["priority"])
		if err != nil {
			v.fail("%s (%s): priority %q is not a number", a.Driver, a.Name, a.Fields["priority"])
			return
		}
		if prio > bestPrio {
			best, bestPrio = &algs[i], prio
		}
	}
	switch {
	case best == nil:
		v.fail("no algorithm named %s in /proc/crypto, want %s to provide it", want.Name, want.Driver)
	case best.Driver != want.Driver:
		v.fail("%s: %s (module %s, priority %d) wins, want %s (%s)", want.Name, best.Driver, best.Module, bestPrio, want.Driver, providers(algs, want.Name))
	default:
		v.note("%s: %s (module %s, priority %d) wins", want.Name, best.Driver, best.Module, bestPrio)
	}
}
