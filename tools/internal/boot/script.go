// Package boot tests kernel modules in a real kernel: it builds a busybox
// initramfs whose /init loads the modules, dumps /proc/crypto and the kernel
// log between markers and powers off; runs the kernel under qemu; and judges
// the serial console log.
package boot

import (
	"fmt"
	"path"
	"strings"
)

// Scenario is what a boot test expects of its modules.
type Scenario string

const (
	// Load: every module loads, in order, and is removed in reverse.
	Load Scenario = "load"
	// Reject: every module but the last loads; the last one (fips140.ko,
	// whose algorithm an earlier module already registered) must fail.
	Reject Scenario = "reject"
)

// ParseScenario checks a scenario's name.
func ParseScenario(s string) (Scenario, error) {
	switch Scenario(s) {
	case Load, Reject:
		return Scenario(s), nil
	}
	return "", fmt.Errorf("unknown scenario %q (want %q or %q)", s, Load, Reject)
}

// ModuleName is the kernel's name for a module file: its base name without
// .ko, with dashes as underscores. The embedded nonfips140 copy is the
// freshly built fips140 module, which the kernel names fips140.
func ModuleName(file string) string {
	if path.Base(file) == EmbeddedFile("nonfips140") {
		return "fips140"
	}
	return strings.ReplaceAll(strings.TrimSuffix(path.Base(file), ".ko"), "-", "_")
}

// GuestModuleDir is where the initramfs holds the modules.
const GuestModuleDir = "/modules"

// Section names of the serial log.
const (
	SectionLoaded   = "crypto-loaded"   // /proc/crypto after the insmods
	SectionUnloaded = "crypto-unloaded" // /proc/crypto after the rmmods
	SectionDmesg    = "dmesg"           // the kernel log at the end
	SectionModules  = "modules"         // /proc/modules at the end
)

// SettleSeconds bounds the wait for asynchronous self-tests to finish
// before /proc/crypto is read.
const SettleSeconds = 30

// EmbeddedConfig is where the initramfs holds the .config whose HMAC key
// the guest checks an embedded fips140 module with.
const EmbeddedConfig = GuestModuleDir + "/fips140.config"

// EmbeddedFile is the name a module that vmlinux embeds (fips140 or
// nonfips140) has in the list of files: it is loaded from the kernel's own
// image, not from GuestModuleDir.
func EmbeddedFile(name string) string { return name + ".ko" }

// EmbeddedLoad is the guest command that loads an embedded module: modload
// reads it through /proc/kallsyms and /proc/kcore, checks fips140's digest
// with the key of EmbeddedConfig, and loads the bytes.
func EmbeddedLoad(name string) string {
	if name == "fips140" {
		return "modload -embedded fips140 -config " + EmbeddedConfig
	}
	return "modload -embedded " + name
}

// InitScript returns the /init script: it loads files (base names under
// GuestModuleDir) in order and removes the loaded ones in reverse. insmod is
// the command that loads one module file; commands, when it has a file,
// the whole command that loads it instead (EmbeddedLoad).
func InitScript(files []string, sc Scenario, insmod string, commands map[string]string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("#!/bin/sh")
	p("export PATH=/bin")
	p("mount -t proc proc /proc")
	p("mount -t sysfs sysfs /sys")
	p("mount -t devtmpfs devtmpfs /dev")
	p("# Only emergencies on the console: the script's lines stay whole.")
	p("dmesg -n 1")
	p("m() { echo %q\"$*\"; }", Marker)
	p("# Self-tests run asynchronously: wait until none is pending.")
	p("settle() {")
	p("  i=0")
	p("  while grep -q '^selftest *: unknown' /proc/crypto && [ $i -lt %d ]; do sleep 0.1; i=$((i+1)); done", SettleSeconds*10)
	p("}")
	p("m start")
	p("echo %q > /dev/kmsg", KmsgMarker)
	loaded := files
	if sc == Reject && len(files) > 0 {
		loaded = files[:len(files)-1]
	}
	for _, f := range files {
		if cmd, ok := commands[f]; ok {
			p("%s; m insmod %s rc=$?", cmd, f)
			continue
		}
		p("%s %s/%s; m insmod %s rc=$?", insmod, GuestModuleDir, f, f)
	}
	p("settle")
	p("m begin %s; cat /proc/crypto; m end %s", SectionLoaded, SectionLoaded)
	for i := len(loaded) - 1; i >= 0; i-- {
		n := ModuleName(loaded[i])
		p("rmmod %s; m rmmod %s rc=$?", n, n)
	}
	p("settle")
	p("m begin %s; cat /proc/crypto; m end %s", SectionUnloaded, SectionUnloaded)
	p("m begin %s; cat /proc/modules; m end %s", SectionModules, SectionModules)
	p("m begin %s; dmesg; m end %s", SectionDmesg, SectionDmesg)
	p("m done")
	p("poweroff -f")
	return b.String()
}
