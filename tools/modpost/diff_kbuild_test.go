package main

// Differential tests of the features that read kbuild's side files
// (MODVERSIONS CRCs from <mod>.mod and .<obj>.o.cmd, srcversion) and of
// device tables: both modposts run on the same objects and side files.

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/modpost"
)

// kbuildScenario is one run over testdata/objs/<arch>/<objects>.o with
// side files.
type kbuildScenario struct {
	name    string
	objects []string
	args    []string
	ourArgs []string // when ours runs differently (crypto mode)
	// dropRealStderr: see scenario.
	dropRealStderr []string
	// side returns the side files (path relative to the run's directory
	// → content) for the objects of an architecture.
	side func(t *testing.T, objDir string) map[string]string
	// oursRefuses, when set, is the message our modpost must fail with
	// where the real one succeeds.
	oursRefuses string
}

// crcArgs are kbuild's external-module arguments against a vmlinux
// Module.symvers with CRCs.
var crcArgs = []string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux-crc.symvers", "-e"}

// fakeCRC is the CRC the tests give an exported symbol.
func fakeCRC(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()
}

// singleObjectModules writes, for each object, kbuild's <m>.mod (listing
// ./<m>.o) and .<m>.o.cmd with a #SYMVER line per export, except those
// the cmds map gives its own text for.
func singleObjectModules(objs []string, cmds map[string]string) func(*testing.T, string) map[string]string {
	return func(t *testing.T, objDir string) map[string]string {
		files := map[string]string{}
		for _, m := range objs {
			files[m+".mod"] = "./" + m + ".o\n"
			cmd, ok := cmds[m]
			if !ok {
				cmd = cmdHeader(m)
				o, err := modpost.ReadObjectFile(filepath.Join(objDir, m+".o"))
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range o.Exports {
					cmd += fmt.Sprintf("#SYMVER %s 0x%08x\n", e.Name, fakeCRC(e.Name))
				}
			}
			files["."+m+".o.cmd"] = cmd
		}
		return files
	}
}

// cmdHeader is the start of a .cmd file as kbuild writes it: the command,
// fixdep's source and deps lines.
func cmdHeader(m string) string {
	return "savedcmd_" + m + ".o := gcc -c -o " + m + ".o " + m + ".c\n\n" +
		"source_" + m + ".o := " + m + ".c\n\n" +
		"deps_" + m + ".o := \\\n  include/linux/kconfig.h \\\n  ./exp.h \\\n\n" +
		m + ".o: $(deps_" + m + ".o)\n\n$(deps_" + m + ".o):\n"
}

// crcObjects have side files in testdata/kbuild: crcexp's .cmd exercises
// modpost's #SYMVER reader (number bases, lines it skips, a leading-dot
// name, overflows, a CRC of a symbol the module does not export), and
// exporter's leaves exporter_add without a CRC (a #SYMVER on the first
// line does not count), so its users get "has no CRC" warnings. The
// golden test of tools/internal/modpost uses the same files.
var crcObjects = []string{"exporter", "user", "crcexp", "friendly", "expdata"}

func crcSide() func(*testing.T, string) map[string]string {
	return func(t *testing.T, _ string) map[string]string {
		dir := filepath.Join(synthDir, "kbuild")
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = string(data)
		}
		return files
	}
}

func withSide(side func(*testing.T, string) map[string]string, edit func(map[string]string)) func(*testing.T, string) map[string]string {
	return func(t *testing.T, objDir string) map[string]string {
		files := side(t, objDir)
		edit(files)
		return files
	}
}

// srcFiles are sources srcversion sums.
const localH = "/* a comment\n * over lines */\n#define GREETING \"hello,   \\\"world\\\"\"  // kept\n" +
	"int  local_value ( void ) ;\\\n\t\r\nstatic const char *s = \"unterminated"

func srcversionSide(withAll bool) func(*testing.T, string) map[string]string {
	return func(t *testing.T, objDir string) map[string]string {
		src := filepath.Join(synthDir, "src")
		read := func(name string) string {
			data, err := os.ReadFile(filepath.Join(src, name))
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
		files := map[string]string{
			"versioned.mod": "./versioned.o\n",
			".versioned.o.cmd": "savedcmd_versioned.o := gcc -c\n\n" +
				"source_versioned.o := versioned.c\n\n" +
				"deps_versioned.o := \\\n" +
				"  include/linux/kconfig.h \\\n" +
				"  ./exp.h \\\n" +
				"  ./sub/other.h \\\n" +
				"  /usr/include/stdio.h \\\n" +
				"  ./local.h \\\n" +
				"\n" +
				"versioned.o: $(deps_versioned.o)\n\n$(deps_versioned.o):\n" +
				"#SYMVER versioned_value 0x0000002a\n",
			"versioned.c": read("versioned.c"),
			"exp.h":       read("exp.h"),
			"local.h":     localH,
		}
		if withAll {
			// exporter is built from two objects, one in a
			// subdirectory, and a library that srcversion skips.
			files["exporter.mod"] = "./exporter.o\nsub/part.o\n\nlib.a\n"
			files[".exporter.o.cmd"] = cmdHeader("exporter")
			files["exporter.c"] = read("exporter.c")
			files["sub/.part.o.cmd"] = "source_part.o := sub/part.c\n" +
				"deps_part.o := \\\n  sub/a.h \\\n  sub/x/b.h \\\n  other/sub/c.h \\\n  sub/d.h\n  sub/e.h \\\n"
			files["sub/part.c"] = "int part;\n"
			files["sub/a.h"] = "#define A 1\n"
			files["other/sub/c.h"] = "/* */ int c;\n"
		}
		return files
	}
}

var kbuildScenarios = []kbuildScenario{
	{name: "modversions -m -b", objects: crcObjects, args: with(crcArgs, "-m", "-b"), side: crcSide()},
	{name: "modversions -m -b -x", objects: crcObjects, args: with(crcArgs, "-m", "-b", "-x"), side: crcSide()},
	{name: "modversions -m -x", objects: crcObjects, args: with(crcArgs, "-m", "-x"), side: crcSide()},
	{name: "modversions -m", objects: crcObjects, args: with(crcArgs, "-m"), side: crcSide()},
	{name: "basic versions without -m", objects: crcObjects, args: with(crcArgs, "-b")},
	{name: "modversions intree", objects: crcObjects, args: []string{"-M", "-m", "-b", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux-crc.symvers"}, side: crcSide()},
	{
		name: "modversions without module_layout", objects: []string{"exporter", "user"},
		args: with(extArgs, "-m", "-b"), side: singleObjectModules([]string{"exporter", "user"}, nil),
	},
	{
		// The long name is an error without -x: exporter's .mod.c is
		// written before it, the later ones and Module.symvers not.
		name: "long import -b", objects: []string{"exporter", "longimp", "user"},
		args: with(crcArgs, "-m", "-b"), side: singleObjectModules([]string{"exporter", "longimp", "user"}, nil),
	},
	{
		name: "long import -b -x", objects: []string{"exporter", "longimp", "user"},
		args: with(crcArgs, "-m", "-b", "-x"), side: singleObjectModules([]string{"exporter", "longimp", "user"}, nil),
	},
	{
		name: "missing .cmd", objects: []string{"exporter", "user"}, args: with(crcArgs, "-m", "-b"),
		side: withSide(singleObjectModules([]string{"exporter", "user"}, nil), func(f map[string]string) { delete(f, ".user.o.cmd") }),
	},
	{
		name: "missing .mod", objects: []string{"exporter", "user"}, args: with(crcArgs, "-m", "-b"),
		side: withSide(singleObjectModules([]string{"exporter", "user"}, nil), func(f map[string]string) { delete(f, "exporter.mod") }),
	},
	{
		// A module of several objects: their .cmd files are read in
		// .mod order up to the first empty line (a ThinLTO object's
		// CRCs are in the plain object's .cmd).
		name: "multi-object .mod", objects: crcObjects, args: with(crcArgs, "-m", "-b"),
		side: withSide(crcSide(), func(f map[string]string) {
			f["crcexp.mod"] = "./crcexp.o\nsub/part.thinlto-native.o\n\n./ignored.o\n"
			f["sub/.part.o.cmd"] = "\n#SYMVER crc_missing 0xfeedface\n"
		}),
	},
	{
		name: "crypto mode -m", objects: []string{"unresolved", "exporter", "user", "crcexp"},
		args:           []string{"-M", "-m", "-b", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux-crc.symvers", "-w"},
		ourArgs:        []string{"-M", "-m", "-b", "-o", "Module.symvers", "-T", "modules.order", "-i", "vmlinux-crc.symvers", "-c"},
		dropRealStderr: []string{"] undefined!\n", "unresolved symbol warnings because there were too many"},
		side: withSide(crcSide(), func(f map[string]string) {
			f["unresolved.mod"] = "./unresolved.o\n"
			f[".unresolved.o.cmd"] = cmdHeader("unresolved")
		}),
	},
	{name: "device tables", objects: []string{"devtab", "exporter"}, args: extArgs},
	{
		name: "device tables -m -b -x", objects: []string{"devtab", "exporter"}, args: with(crcArgs, "-m", "-b", "-x"),
		side: singleObjectModules([]string{"devtab", "exporter"}, nil),
	},
	{name: "bad device tables", objects: []string{"badtab", "devtab"}, args: extArgs},
	{
		name: "unsupported device table", objects: []string{"pcitab"}, args: extArgs,
		oursRefuses: "ERROR: modpost: pcitab.o: MODULE_DEVICE_TABLE(pci, pci_ids) is not supported (only x86cpu and cpu): its aliases would be missing from the .mod.c\n",
	},
	{name: "srcversion", objects: []string{"versioned", "exporter"}, args: extArgs, side: srcversionSide(false)},
	{name: "srcversion -a", objects: []string{"versioned", "exporter"}, args: with(extArgs, "-a"), side: srcversionSide(true)},
	{
		name: "srcversion -m -b -a", objects: []string{"versioned", "exporter"}, args: with(crcArgs, "-m", "-b", "-a"),
		side: srcversionSide(true),
	},
	{
		name: "srcversion malformed source line", objects: []string{"versioned", "exporter"}, args: with(extArgs, "-a"),
		side: withSide(srcversionSide(true), func(f map[string]string) {
			f["sub/.part.o.cmd"] = "  source_part.o:=sub/part.c\n"
		}),
	},
	{
		name: "srcversion missing source", objects: []string{"versioned"}, args: extArgs,
		side: withSide(srcversionSide(false), func(f map[string]string) { delete(f, "local.h") }),
	},
}

func TestDifferentialKbuildFiles(t *testing.T) {
	tool := findRealModpost(t)
	for _, arch := range []string{"x86_64", "aarch64"} {
		for _, sc := range kbuildScenarios {
			t.Run(arch+"/"+sc.name, func(t *testing.T) {
				objDir := filepath.Join(synthDir, "objs", arch)
				var side map[string]string
				if sc.side != nil {
					side = sc.side(t, objDir)
				}
				setup := func() string {
					dir := t.TempDir()
					for _, s := range []string{"vmlinux.symvers", "vmlinux-crc.symvers"} {
						copyFile(t, filepath.Join(synthDir, s), filepath.Join(dir, s))
					}
					var order strings.Builder
					for _, o := range sc.objects {
						copyFile(t, filepath.Join(objDir, o+".o"), filepath.Join(dir, o+".o"))
						order.WriteString(o + ".o\n")
					}
					writeFile(t, filepath.Join(dir, "modules.order"), order.String())
					for name, content := range side {
						p := filepath.Join(dir, name)
						if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
							t.Fatal(err)
						}
						writeFile(t, p, content)
					}
					return dir
				}
				if sc.oursRefuses != "" {
					checkRefusal(t, tool, setup(), setup(), sc.args, sc.oursRefuses)
					return
				}
				compareRuns(t, tool, setup(), setup(), sc.args, sc.ourArgs, sc.dropRealStderr)
			})
		}
	}
}

// checkRefusal checks that the real modpost succeeds and writes aliases
// where ours fails with the message want and writes nothing.
func checkRefusal(t *testing.T, tool realTool, realDir, ourDir string, args []string, want string) {
	t.Helper()
	before := listFiles(t, ourDir)
	realErr, realOK, err := tool.run(realDir, args)
	if err != nil {
		t.Fatalf("running real modpost: %v", err)
	}
	if !realOK {
		t.Fatalf("real modpost failed:\n%s", realErr)
	}
	aliases := false
	for _, content := range listFiles(t, realDir) {
		aliases = aliases || strings.Contains(content, "MODULE_ALIAS(")
	}
	if !aliases {
		t.Errorf("real modpost wrote no MODULE_ALIAS: the refusal guards nothing")
	}
	var ourErr strings.Builder
	t.Chdir(ourDir)
	opts, err := parseArgs(args, &ourErr)
	if err != nil {
		t.Fatal(err)
	}
	if run(opts, &ourErr) == 0 {
		t.Errorf("our modpost succeeded; want it to refuse")
	}
	if !strings.Contains(ourErr.String(), want) {
		t.Errorf("our messages:\n%s\nwant them to hold:\n%s", ourErr.String(), want)
	}
	if len(listFiles(t, ourDir)) != len(before) {
		t.Errorf("our modpost wrote files although it refused")
	}
}
