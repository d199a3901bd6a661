package boot

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rules-fips140/rules_fips140/tools/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The samples are serial logs of real boots under qemu (TCG), trimmed to
// what the /init script printed and the kernel log from the first insmod
// on. load-*, reject-x86_64 and embedded-x86_64 are today's module layout
// (the boot tests of tests/realkernel); the two older reject logs keep
// failures seen once.
var samples = []struct {
	log    string
	expect Expect
	pass   bool
}{
	{"load-x86_64.log", Expect{Scenario: Load, Files: []string{"fips140.ko", "blowfish_common.ko", "blowfish_generic.ko"}, FIPSModule: "fips140", MinFIPSAlgs: 6,
		Algs: []ExpectedAlg{{"fips140", "serpent"}, {"fips140", "wp512"}, {"fips140", "rmd160"}, {"fips140", "camellia"}, {"blowfish_generic", "blowfish"}}}, true},
	{"load-arm64.log", Expect{Scenario: Load, Files: []string{"fips140.ko", "blowfish_common.ko", "blowfish_generic.ko"}, FIPSModule: "fips140", MinFIPSAlgs: 6,
		Algs: []ExpectedAlg{{"fips140", "wp384"}, {"blowfish_generic", "blowfish-generic"}}}, true},
	// Linux 7.2 built and linked by the rules: wp512.ko (=m), then the
	// fips140.ko that vmlinux embeds, read and checked by modload.
	{"embedded-x86_64.log", Expect{Scenario: Load, Files: []string{"wp512.ko", EmbeddedFile("fips140")}, FIPSModule: "fips140", MinFIPSAlgs: 12,
		Algs: []ExpectedAlg{{"fips140", "sha256"}, {"fips140", "aes"}, {"wp512", "wp512"}}}, true},
	// rmd160_pre registered rmd160 first: fips140's init fails at that part
	// and unwinds.
	{"reject-x86_64.log", Expect{Scenario: Reject, Files: []string{"rmd160_pre.ko", "fips140.ko"}, FIPSModule: "fips140",
		Algs: []ExpectedAlg{{"rmd160_pre", "rmd160"}}}, true},
	// fips140.ko's init unwinds while rmd160_pre's self-test is in flight.
	{"reject-warning-x86_64.log", Expect{Scenario: Reject, Files: []string{"rmd160_pre.ko", "fips140.ko"}, FIPSModule: "fips140",
		Algs: []ExpectedAlg{{"rmd160_pre", "rmd160"}}}, false},
	// busybox insmod ran fips140.ko's init twice; this time without warnings.
	{"reject-busybox-arm64.log", Expect{Scenario: Reject, Files: []string{"rmd160_pre.ko", "fips140.ko"}, FIPSModule: "fips140"}, true},
	// No module: only the kernel's own algorithms.
	{"smoke-arm64.log", Expect{Scenario: Load, FIPSModule: "fips140"}, true},
}

// sampleExpect is the Expect of the sample log called name.
func sampleExpect(t testing.TB, name string) Expect {
	t.Helper()
	for _, s := range samples {
		if s.log == name {
			return s.expect
		}
	}
	t.Fatalf("no sample %s", name)
	return Expect{}
}

func readSample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSamplesGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.log, func(t *testing.T) {
			text := readSample(t, s.log)
			l, err := ParseSerial(text)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			fmt.Fprintf(&out, "started=%v done=%v\n", l.Started, l.Done)
			for _, st := range l.Steps {
				fmt.Fprintf(&out, "%s %s rc=%d\n", st.Verb, st.Arg, st.RC)
			}
			for _, sec := range []string{SectionLoaded, SectionUnloaded} {
				algs, err := ParseProcCrypto(l.Sections[sec])
				if err != nil {
					t.Fatal(err)
				}
				// Independent count: every record starts with a "name" line.
				if n := len(regexp.MustCompile(`(?m)^name\s+:`).FindAllString(l.Sections[sec], -1)); n != len(algs) {
					t.Errorf("%s: parsed %d records, the text has %d name lines", sec, len(algs), n)
				}
				fmt.Fprintf(&out, "%s: %d algorithms\n", sec, len(algs))
				for _, a := range algs {
					if a.Module != "kernel" {
						fmt.Fprintf(&out, "  %s %s module=%s selftest=%s type=%s\n", a.Name, a.Driver, a.Module, a.Selftest, a.Fields["type"])
					}
				}
			}
			v := Judge(l, s.expect)
			if v.OK() != s.pass {
				t.Errorf("verdict OK = %v, want %v: %q", v.OK(), s.pass, v.Failures)
			}
			for _, n := range v.Notes {
				fmt.Fprintf(&out, "ok: %s\n", n)
			}
			for _, f := range v.Failures {
				fmt.Fprintf(&out, "FAIL: %s\n", f)
			}
			golden.Check(t, strings.TrimSuffix(s.log, ".log")+".golden", []byte(out.String()), *update)
		})
	}
}

// Changing one thing in a passing log must fail the judgement with a
// message that names it.
func TestJudgeCatches(t *testing.T) {
	base := readSample(t, "load-x86_64.log")
	expect := samples[0].expect
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"selftest failed", "driver       : wp512-generic\nmodule       : fips140\npriority     : 0\nrefcnt       : 1\nselftest     : passed",
			"driver       : wp512-generic\nmodule       : fips140\npriority     : 0\nrefcnt       : 1\nselftest     : unknown", `wp512-generic (wp512, module fips140): selftest is "unknown"`},
		{"insmod failed", "insmod blowfish_generic.ko rc=0", "insmod blowfish_generic.ko rc=1", "insmod blowfish_generic.ko failed (exit status 1)"},
		{"algorithm of the wrong module", "driver       : blowfish-generic\nmodule       : blowfish_generic", "driver       : blowfish-generic\nmodule       : kernel", "no algorithm blowfish of module blowfish_generic"},
		{"warning", "fips140: loading out-of-tree module taints kernel.", "WARNING: CPU: 0 PID: 1 at crypto/algapi.c:503", "kernel log: [    5.991007] WARNING: CPU: 0"},
		{"oops", "fips140: loading out-of-tree module taints kernel.", "Oops: general protection fault", "kernel log: [    5.991007] Oops"},
		{"bug", "fips140: loading out-of-tree module taints kernel.", "BUG: unable to handle page fault", "BUG: unable"},
		{"no poweroff marker", "@@bootcheck done", "", "did not finish"},
		{"module left after rmmod", "@@bootcheck begin modules\n", "@@bootcheck begin modules\nblowfish_generic 16384 0 - Live 0x0000000000000000 (OE)\n", "after rmmod, module blowfish_generic is still in /proc/modules"},
		{"fips140 left after rmmod", "@@bootcheck begin modules\n", "@@bootcheck begin modules\nfips140 98304 0 - Live 0x0000000000000000 (OE)\n", "after rmmod, module fips140 is still in /proc/modules"},
		{"no kmsg marker", "bootcheck: loading modules", "", "lacks the line"},
		{"rmmod failed", "rmmod fips140 rc=0", "rmmod fips140 rc=1", "rmmod fips140 failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(base, tc.old, tc.new, 1)
			if text == base {
				t.Fatalf("%q is not in the sample", tc.old)
			}
			l, err := ParseSerial(text)
			if err != nil {
				t.Fatal(err)
			}
			v := Judge(l, expect)
			if !strings.Contains(strings.Join(v.Failures, "\n"), tc.want) {
				t.Errorf("failures %q do not mention %q", v.Failures, tc.want)
			}
		})
	}
	t.Run("left after rmmod", func(t *testing.T) {
		l, err := ParseSerial(base)
		if err != nil {
			t.Fatal(err)
		}
		l.Sections[SectionUnloaded] += "\n\nname : serpent\ndriver : serpent-generic\nmodule : fips140\n"
		v := Judge(l, expect)
		if !strings.Contains(strings.Join(v.Failures, "\n"), "after rmmod, serpent-generic (serpent) of module fips140 is still registered") {
			t.Errorf("failures: %q", v.Failures)
		}
	})
	t.Run("reject for the wrong reason", func(t *testing.T) {
		text := strings.Replace(readSample(t, "reject-busybox-arm64.log"), "fips140: rmd160 failed: -17",
			"fips140: exports duplicate symbol __serpent_decrypt (owned by serpent_pre)", 1)
		l, err := ParseSerial(text)
		if err != nil {
			t.Fatal(err)
		}
		v := Judge(l, sampleExpect(t, "reject-busybox-arm64.log"))
		if !strings.Contains(strings.Join(v.Failures, "\n"), "fips140.ko was refused before its init ran") {
			t.Errorf("failures: %q", v.Failures)
		}
	})
	t.Run("fewer fips algorithms than wanted", func(t *testing.T) {
		l, _ := ParseSerial(base)
		e := expect
		e.MinFIPSAlgs = 7
		if v := Judge(l, e); !strings.Contains(strings.Join(v.Failures, "\n"), "6 fips140 algorithms in /proc/crypto, want at least 7") {
			t.Errorf("failures: %q", v.Failures)
		}
	})
	t.Run("preferred driver", func(t *testing.T) {
		l, _ := ParseSerial(base)
		e := expect
		e.Preferred = []PreferredAlg{{"blowfish", "blowfish-generic"}}
		if v := Judge(l, e); !v.OK() {
			t.Errorf("blowfish-generic is the only blowfish, yet: %q", v.Failures)
		}
		// A faster driver registered beside it wins by priority.
		l.Sections[SectionLoaded] += "\n\nname : blowfish\ndriver : blowfish-asm\nmodule : kernel\npriority : 200\nselftest : passed\n"
		if v := Judge(l, e); !strings.Contains(strings.Join(v.Failures, "\n"), "blowfish: blowfish-asm (module kernel, priority 200) wins, want blowfish-generic") {
			t.Errorf("failures: %q", v.Failures)
		}
		e.Preferred = []PreferredAlg{{"gcm(aes)", "gcm-aes-aesni"}}
		if v := Judge(l, e); !strings.Contains(strings.Join(v.Failures, "\n"), "no algorithm named gcm(aes)") {
			t.Errorf("failures: %q", v.Failures)
		}
		if _, err := ParsePreferredAlg("gcm(aes)"); err == nil {
			t.Error("ParsePreferredAlg took a value without =DRIVER")
		}
	})
	t.Run("reject scenario, but it loaded", func(t *testing.T) {
		l, _ := ParseSerial(base)
		e := Expect{Scenario: Reject, Files: []string{"blowfish.ko", "fips140.ko"}, FIPSModule: "fips140"}
		v := Judge(l, e)
		all := strings.Join(v.Failures, "\n")
		for _, want := range []string{"insmod fips140.ko succeeded, but it must fail", "yet fips140 algorithms are registered"} {
			if !strings.Contains(all, want) {
				t.Errorf("failures %q do not mention %q", v.Failures, want)
			}
		}
	})
}

func TestParseSerialBad(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"unended section", "@@bootcheck begin dmesg\nx\n", "section dmesg is not ended"},
		{"nested section", "@@bootcheck begin a\n@@bootcheck begin b\n", "section a is not ended"},
		{"end without begin", "@@bootcheck end a\n", "not open"},
		{"repeated section", "@@bootcheck begin a\n@@bootcheck end a\n@@bootcheck begin a\n", "repeated"},
		{"bad rc", "@@bootcheck insmod a.ko rc=x\n", "bad exit status"},
		{"insmod without rc", "@@bootcheck insmod a.ko\n", "rc=N"},
		{"unknown", "@@bootcheck reboot\n", "unknown marker"},
		{"empty", "@@bootcheck \n", "empty marker"},
		{"step inside a section", "@@bootcheck begin a\n@@bootcheck rmmod a rc=0\n", "not ended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSerial(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSerial: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseSerialNoise(t *testing.T) {
	// A console message glued before a marker, CRLF line ends.
	l, err := ParseSerial("junk@@bootcheck start\r\n@@bootcheck begin a\r\nx\r\n[ 1.0] msg@@bootcheck end a\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Started || l.Sections["a"] != "x\n[ 1.0] msg" {
		t.Errorf("got %+v", l)
	}
}

func TestParseProcCryptoBad(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"no colon", "name : a\ndriver\n", "line 2"},
		{"no driver", "name : a\nmodule : m\n", `no "driver"`},
		{"repeated key", "name : a\nname : b\n", `"name" repeated`},
		{"empty key", " : a\n", "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProcCrypto(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseProcCrypto: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestInitScriptGolden(t *testing.T) {
	golden.Check(t, "init-load.sh", []byte(InitScript([]string{"fips140.ko", "blowfish.ko"}, Load, "insmod", nil)), *update)
	golden.Check(t, "init-embedded.sh", []byte(InitScript([]string{EmbeddedFile("fips140"), "wp512.ko"}, Load, "insmod", map[string]string{EmbeddedFile("fips140"): EmbeddedLoad("fips140")})), *update)
	golden.Check(t, "init-reject.sh", []byte(InitScript([]string{"rmd160_pre.ko", "fips140.ko"}, Reject, "modload", nil)), *update)
}

func TestModuleName(t *testing.T) {
	for in, want := range map[string]string{"a/b/fips140.ko": "fips140", "blowfish-generic.ko": "blowfish_generic", "x": "x", "nonfips140.ko": "fips140"} {
		if got := ModuleName(in); got != want {
			t.Errorf("ModuleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMachineArgs(t *testing.T) {
	for _, tc := range []struct{ arch, want string }{
		{"x86_64", "-cpu max -accel tcg -m 512 -nographic -no-reboot -nic none -kernel K -initrd I -append console=ttyS0 panic=-1 quiet"},
		{"arm64", "-M virt -cpu max -accel tcg -m 512 -nographic -no-reboot -nic none -kernel K -initrd I -append console=ttyAMA0 panic=-1 quiet"},
	} {
		args, err := Machine{Arch: tc.arch, Kernel: "K", Initrd: "I"}.Args()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(args, " "); got != tc.want {
			t.Errorf("%s: got %s\nwant %s", tc.arch, got, tc.want)
		}
	}
	args, err := Machine{Arch: "x86_64", Kernel: "K", Initrd: "I", KernelArgs: []string{"preempt=full"}}.Args()
	if err != nil {
		t.Fatal(err)
	}
	if got := args[len(args)-1]; got != "console=ttyS0 panic=-1 quiet preempt=full" {
		t.Errorf("with KernelArgs, the command line is %q", got)
	}
	if _, err := (Machine{Arch: "riscv64"}).Args(); err == nil {
		t.Error("riscv64: no error")
	}
}

func FuzzParseSerial(f *testing.F) {
	for _, s := range samples {
		f.Add(readSample(f, s.log))
	}
	f.Add("@@bootcheck begin a\n@@bootcheck end a\n@@bootcheck insmod x rc=-1\n")
	f.Fuzz(func(t *testing.T, text string) {
		l, err := ParseSerial(text)
		if err != nil {
			return
		}
		Judge(l, Expect{Scenario: Reject, Files: []string{"a.ko", "fips140.ko"}, FIPSModule: "fips140", MinFIPSAlgs: 1})
		Judge(l, Expect{Scenario: Load, Files: []string{"fips140.ko"}, FIPSModule: "fips140", MinFIPSAlgs: 1})
	})
}

func FuzzParseProcCrypto(f *testing.F) {
	l, err := ParseSerial(readSample(f, "load-arm64.log"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(l.Sections[SectionLoaded])
	f.Add("name : a\ndriver : b\nmodule : c\n\n\nname : d\n")
	f.Fuzz(func(t *testing.T, text string) {
		algs, err := ParseProcCrypto(text)
		if err != nil {
			return
		}
		for _, a := range algs {
			if a.Fields["name"] != a.Name || a.Fields["driver"] != a.Driver || a.Fields["module"] != a.Module {
				t.Fatalf("record %+v: fields and accessors disagree", a)
			}
		}
	})
}

// A guest that finishes its script but cannot power off (a kernel without
// ACPI on x86) is stopped after the grace period; one that never finishes
// still times out.
func TestRunStopsAHaltedGuest(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "qemu")
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'reboot: Power down'\necho '"+Marker+"done'\nexec sleep 60\n"), 0o755)
	m := Machine{Arch: "x86_64", QEMU: fake, Kernel: "k", Initrd: "i", Timeout: 30 * time.Second, DoneGrace: 100 * time.Millisecond}
	var serial bytes.Buffer
	start := time.Now()
	if err := m.Run(context.Background(), &serial); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if time.Since(start) > 20*time.Second || !strings.Contains(serial.String(), Marker+"done") {
		t.Errorf("Run took %v, serial %q", time.Since(start), serial.String())
	}
	os.WriteFile(fake, []byte("#!/bin/sh\necho booting\nexec sleep 60\n"), 0o755)
	m.Timeout = 500 * time.Millisecond
	if err := m.Run(context.Background(), &serial); !errors.Is(err, ErrTimeout) {
		t.Errorf("Run of a guest that never finishes: %v, want ErrTimeout", err)
	}
}
