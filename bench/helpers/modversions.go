package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// The versioned modpost case: modules of a MODVERSIONS=y kernel
// (CONFIG_MODVERSIONS with the default CONFIG_BASIC_MODVERSIONS, so
// kbuild runs `modpost -M -m -b`). Its modules are assembled by GNU as from
// generated source, sized by flags, and each comes with the side files
// kbuild writes (docs/modpost-facts.md, MODVERSIONS):
//
//   - drivers/vsubsysNN/vmodNNNNN.o, the module object: exports (functions
//     and data, a third GPL-only, a tenth in the VMOD_NS namespace),
//     imports of vmlinux symbols and of the previous module's exports,
//     an x86cpu and a cpu device table, and .modinfo (license, description,
//     import_ns lines);
//   - vmodNNNNN.mod, listing two objects it was linked from,
//     vmodNNNNN_core.o and vmodNNNNN_glue.o (only their .cmd files exist:
//     modpost reads nothing else of them);
//   - .vmodNNNNN_core.o.cmd and .vmodNNNNN_glue.o.cmd, as fixdep and
//     genksyms leave them: the compiler command, source_ and deps_ lines
//     (-cmd-deps header paths), then a "#SYMVER name 0xCRC" line for each
//     of the module's exports compiled from that object (even exports in
//     core, odd ones in glue).
//
// vmlinux's Module.symvers has non-zero CRCs and module_layout, so that
// every import gets its CRC into the __versions table.

// versionedSpec sizes the versioned modpost input.
type versionedSpec struct {
	modules int // module objects; 0 leaves the case out
	exports int // exports of each module
	imports int // vmlinux symbols each module imports
	cmdDeps int // deps_ lines in each .cmd file
}

// versionedModule is one generated module.
type versionedModule struct {
	dir, name string // drivers/vsubsysNN, vmodNNNNN
}

func versionedModuleAt(i int) versionedModule {
	return versionedModule{dir: fmt.Sprintf("drivers/vsubsys%02d", i%40), name: fmt.Sprintf("vmod%05d", i)}
}

func (m versionedModule) object() string { return m.dir + "/" + m.name + ".o" }

// parts are the objects the module was linked from, as its .mod lists them.
func (m versionedModule) parts() []string {
	return []string{m.dir + "/" + m.name + "_core.o", m.dir + "/" + m.name + "_glue.o"}
}

// exportName is module i's export k: a function, or data when k%5 == 4.
func exportName(i, k int) string { return fmt.Sprintf("v%05d_export_%03d", i, k) }

func exportIsData(k int) bool { return k%5 == 4 }

// exportLicense and exportNamespace give export k's .export_symbol
// strings.
func exportLicense(k int) string {
	if k%3 == 0 {
		return "GPL"
	}
	return ""
}

func exportNamespace(k int) string {
	if k%10 == 7 {
		return "VMOD_NS"
	}
	return ""
}

// moduleImportsExport reports whether module i+1 imports module i's
// export k: every fourth.
func moduleImportsExport(k int) bool { return k%4 == 1 }

// crcOf is a pseudo-random non-zero CRC for (a, b), the same in every run.
func crcOf(a, b int) uint32 {
	x := uint64(a)<<32 | uint64(uint32(b))
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	if uint32(x) == 0 {
		return 1
	}
	return uint32(x)
}

// vmlinuxCRC is the CRC of the synthetic vmlinux export j; moduleLayoutCRC
// that of module_layout.
func vmlinuxCRC(j int) uint32 { return crcOf(-1, j) }

const moduleLayoutCRC = 0x5a1e0c0d

// vmlinuxImports lists the indexes of the n synthetic vmlinux exports
// module i imports: distinct, spread over all of them, different for each
// module.
func vmlinuxImports(i, n, exports int) []int {
	if exports == 0 || n == 0 {
		return nil
	}
	step := max(1, exports/n)
	start := (i * 7919) % exports
	out := make([]int, n)
	for k := range out {
		out[k] = (start + k*step) % exports
	}
	return out
}

// writeVersionedSource writes the assembly source of module i.
func writeVersionedSource(w *bytes.Buffer, i int, spec versionedSpec, vmlinuxExports int) {
	m := versionedModuleAt(i)
	fmt.Fprintf(w, "\t.text\n")
	fn := func(name string, global bool) {
		if global {
			fmt.Fprintf(w, "\t.globl %s\n", name)
		}
		fmt.Fprintf(w, "\t.type %s, @function\n%s:\n\tret\n\t.size %s, .-%s\n", name, name, name, name)
	}
	fn("init_module", true)
	fn("cleanup_module", true)
	for k := range spec.exports {
		if !exportIsData(k) {
			fn(exportName(i, k), true)
		}
	}
	// Data exports, then the references that make the imports undefined
	// symbols: vmlinux's first, then the previous module's.
	fmt.Fprintf(w, "\t.data\n\t.balign 8\n")
	for k := range spec.exports {
		if exportIsData(k) {
			name := exportName(i, k)
			fmt.Fprintf(w, "\t.globl %s\n\t.type %s, @object\n\t.size %s, 8\n%s:\n\t.quad %d\n", name, name, name, name, k)
		}
	}
	fmt.Fprintf(w, "\t.type import_refs, @object\nimport_refs:\n")
	for _, j := range vmlinuxImports(i, spec.imports, vmlinuxExports) {
		fmt.Fprintf(w, "\t.quad kernel_symbol_%05d\n", j)
	}
	if i > 0 {
		for k := range spec.exports {
			if moduleImportsExport(k) {
				fmt.Fprintf(w, "\t.quad %s\n", exportName(i-1, k))
			}
		}
	}
	fmt.Fprintf(w, "\t.section .export_symbol,\"a\"\n")
	for k := range spec.exports {
		name := exportName(i, k)
		fmt.Fprintf(w, "__export_symbol_%s:\n\t.asciz \"%s\"\n\t.asciz \"%s\"\n\t.balign 8\n\t.quad %s\n",
			name, exportLicense(k), exportNamespace(k), name)
	}
	// Device tables: struct x86_cpu_id (24 bytes) and struct cpu_feature
	// (2 bytes), each ended by a zero entry, with the alias symbol
	// MODULE_DEVICE_TABLE makes. One x86cpu entry repeats an earlier one.
	fmt.Fprintf(w, "\t.section .rodata\n\t.balign 8\n")
	table := func(typ, label string, entries []string, size int) {
		sym := fmt.Sprintf("__mod_device_table__kmod_%s__%s__%s", m.name, typ, label)
		n := (len(entries) + 1) * size
		fmt.Fprintf(w, "\t.type %s, @object\n\t.size %s, %d\n%s:\n", label, label, n, label)
		for _, e := range entries {
			w.WriteString(e)
		}
		fmt.Fprintf(w, "\t.zero %d\n\t.set %s, %s\n\t.type %s, @object\n\t.size %s, %d\n", size, sym, label, sym, sym, n)
	}
	x86 := func(vendor, family, model, feature int) string {
		return fmt.Sprintf("\t.short %#x, %#x, %#x, 0, %#x, 0\n\t.byte 0, 0\n\t.zero 2\n\t.quad %d\n", vendor, family, model, feature, i)
	}
	table("x86cpu", fmt.Sprintf("v%05d_cpu_ids", i), []string{
		x86(0xffff, 0, 0, i%0x200),
		x86(0, 6, i%0x100, 0),
		x86(2, 0x17, 0, (i+1)%0x200),
		x86(0xffff, 0, 0, i%0x200),
	}, 24)
	table("cpu", fmt.Sprintf("v%05d_cpu_feats", i), []string{
		fmt.Sprintf("\t.short %#x\n", 1+i%0x100),
		fmt.Sprintf("\t.short %#x\n", 0x100+i%0x100),
	}, 2)
	fmt.Fprintf(w, "\t.section .modinfo,\"a\"\n\t.asciz \"license=GPL\"\n\t.asciz \"description=versioned bench module %d\"\n\t.asciz \"import_ns=VMOD_NS\"\n", i)
	for ns := range 7 {
		fmt.Fprintf(w, "\t.asciz \"import_ns=NS_%d\"\n", ns)
	}
}

// versionedCmd returns the .cmd file of part p (0 core, 1 glue) of module
// i: what fixdep writes, then genksyms' #SYMVER lines for that part's
// exports.
func versionedCmd(i, p int, spec versionedSpec) []byte {
	m := versionedModuleAt(i)
	obj := m.parts()[p]
	src := strings.TrimSuffix(obj, ".o") + ".c"
	var w bytes.Buffer
	fmt.Fprintf(&w, "savedcmd_%s := x86_64-linux-gnu-gcc-16 -Wp,-MMD,%s/.%s.d -nostdinc", obj, m.dir, filepath.Base(obj))
	for _, f := range []string{"-I./arch/x86/include", "-I./arch/x86/include/generated", "-I./include",
		"-I./arch/x86/include/uapi", "-I./include/uapi", "-include ./include/linux/compiler-version.h",
		"-include ./include/linux/kconfig.h", "-include ./include/linux/compiler_types.h", "-D__KERNEL__",
		"-std=gnu11", "-fshort-wchar", "-funsigned-char", "-fno-common", "-fno-PIE", "-fno-strict-aliasing",
		"-mno-sse", "-mno-mmx", "-mno-sse2", "-mno-3dnow", "-mno-avx", "-fcf-protection=branch",
		"-fno-jump-tables", "-m64", "-falign-jumps=1", "-falign-loops=1", "-mno-80387", "-mno-fp-ret-in-387",
		"-mpreferred-stack-boundary=3", "-mskip-rax-setup", "-mtune=generic", "-mno-red-zone",
		"-mcmodel=kernel", "-Wno-sign-compare", "-fno-asynchronous-unwind-tables", "-mindirect-branch=thunk-extern",
		"-mindirect-branch-register", "-mindirect-branch-cs-prefix", "-mfunction-return=thunk-extern",
		"-fno-jump-tables", "-fpatchable-function-entry=16,16", "-fno-delete-null-pointer-checks", "-O2",
		"-fno-allow-store-data-races", "-fstack-protector-strong", "-fno-omit-frame-pointer",
		"-fno-optimize-sibling-calls", "-ftrivial-auto-var-init=zero", "-fno-stack-clash-protection",
		"-fzero-init-padding-bits=all", "-pg", "-mrecord-mcount", "-mfentry", "-DCC_USING_FENTRY",
		"-fmin-function-alignment=16", "-fstrict-flex-arrays=3", "-fno-strict-overflow", "-fno-stack-check",
		"-fconserve-stack", "-fno-builtin-wcslen", "-Wall", "-Wextra", "-g", "-gdwarf-5", "-DMODULE"} {
		w.WriteString(" " + f)
	}
	fmt.Fprintf(&w, " -DKBUILD_BASENAME='\"%s\"' -DKBUILD_MODNAME='\"%s\"' -D__KBUILD_MODNAME=%s -c -o %s %s\n\n",
		strings.TrimSuffix(filepath.Base(obj), ".o"), m.name, m.name, obj, src)
	fmt.Fprintf(&w, "source_%s := %s\n\ndeps_%s := \\\n", obj, src, obj)
	for d := range spec.cmdDeps {
		fmt.Fprintf(&w, "  include/linux/bench/header_%04d.h \\\n", (d*37+i)%5000)
	}
	fmt.Fprintf(&w, "\n%s: $(deps_%s)\n\n$(deps_%s):\n", obj, obj, obj)
	for k := p; k < spec.exports; k += 2 {
		fmt.Fprintf(&w, "#SYMVER %s 0x%08x\n", exportName(i, k), crcOf(i, k))
	}
	return w.Bytes()
}

// writeVersionedInputs assembles the modules into src (with the assembler
// as, several at a time) and writes each module object with its .mod and
// .cmd files, and modules.order, into every dir in dirs.
func writeVersionedInputs(src string, dirs []string, as string, spec versionedSpec, vmlinuxExports int) error {
	objs := make([][]byte, spec.modules)
	errs := make([]error, spec.modules)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				objs[i], errs[i] = assembleVersioned(src, as, i, spec, vmlinuxExports)
			}
		}()
	}
	for i := range spec.modules {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := firstError(errs); err != nil {
		return err
	}
	var order []string
	for i := range spec.modules {
		m := versionedModuleAt(i)
		order = append(order, m.object())
		for _, dir := range dirs {
			files := map[string][]byte{
				m.object():                    objs[i],
				m.dir + "/" + m.name + ".mod": []byte(strings.Join(m.parts(), "\n") + "\n"),
			}
			for p, part := range m.parts() {
				files[filepath.Dir(part)+"/."+filepath.Base(part)+".cmd"] = versionedCmd(i, p, spec)
			}
			for name, data := range files {
				if err := writeFile(filepath.Join(dir, name), data); err != nil {
					return err
				}
			}
		}
	}
	for _, dir := range dirs {
		if err := writeFile(filepath.Join(dir, "modules.order"), []byte(strings.Join(order, "\n")+"\n")); err != nil {
			return err
		}
	}
	return nil
}

// assembleVersioned writes module i's source into src, assembles it and
// returns the object.
func assembleVersioned(src, as string, i int, spec versionedSpec, vmlinuxExports int) ([]byte, error) {
	var s bytes.Buffer
	writeVersionedSource(&s, i, spec, vmlinuxExports)
	name := versionedModuleAt(i).name
	sFile, oFile := filepath.Join(src, name+".s"), filepath.Join(src, name+".o")
	if err := writeFile(sFile, s.Bytes()); err != nil {
		return nil, err
	}
	if err := runIn(src, []string{as, "--64", "-o", oFile, sFile}); err != nil {
		return nil, fmt.Errorf("assembling %s: %w", sFile, err)
	}
	return os.ReadFile(oFile)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkVersionedModC checks that a .mod.c shows what the case is meant to
// exercise: export CRCs, the __versions table with module_layout, both
// kinds of device table aliases, and no zero CRC anywhere (a zero would
// mean a CRC was not found in the .cmd or symvers files).
func checkVersionedModC(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, want := range []string{"SYMBOL_CRC(", "____versions[]", "\"module_layout\" }",
		"MODULE_ALIAS(\"cpu:type:x86,", "MODULE_ALIAS(\"cpu:type:*:feature:"} {
		if !bytes.Contains(data, []byte(want)) {
			return fmt.Errorf("%s lacks %q", path, want)
		}
	}
	if bytes.Contains(data, []byte("0x00000000")) {
		return fmt.Errorf("%s holds a zero CRC", path)
	}
	return nil
}

// prepareVersionedModpost makes the versioned case under work/modversions,
// with the same synthetic vmlinux exports as the plain case, now with CRCs.
func prepareVersionedModpost(spec inputSpec, t tools, work string) (benchCase, error) {
	v := spec.versioned
	root := filepath.Join(work, "modversions")
	symvers := filepath.Join(root, "vmlinux.symvers")
	head := fmt.Appendf(nil, "0x%08x\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n", moduleLayoutCRC)
	if err := writeVmlinuxSymvers(symvers, head, spec.vmlinuxExports, vmlinuxCRC); err != nil {
		return benchCase{}, err
	}
	dirs := []string{filepath.Join(root, "ours"), filepath.Join(root, "native")}
	if err := writeVersionedInputs(filepath.Join(root, "src"), dirs, t.as, v, spec.vmlinuxExports); err != nil {
		return benchCase{}, err
	}
	args := []string{"-M", "-m", "-b", "-o", "Module.symvers", "-T", "modules.order", "-i", "../vmlinux.symvers", "-e"}
	ours := side{dir: dirs[0], clean: removeModpostOutputs(dirs[0]), cmds: [][]string{append([]string{t.ours.modpost}, args...)}}
	native := side{dir: dirs[1], clean: removeModpostOutputs(dirs[1]), cmds: [][]string{append(slices.Clone(t.modpost), args...)}}
	return benchCase{
		tool: "modpost -m -b",
		input: fmt.Sprintf("%d modules × %d exports, %d vmlinux imports, %d-line .cmd deps; %d vmlinux exports",
			v.modules, v.exports, v.imports, v.cmdDeps, spec.vmlinuxExports+1),
		target: 1.0,
		ours:   ours, native: native,
		swapDirs: true,
		check: func() error {
			if err := sameModpostOutputs(ours.dir, native.dir, v.modules, v.modules*v.exports); err != nil {
				return err
			}
			// Module 0 imports from vmlinux only; module 1 also from module 0.
			for i := range min(2, v.modules) {
				m := versionedModuleAt(i)
				if err := checkVersionedModC(filepath.Join(ours.dir, m.dir, m.name+".mod.c")); err != nil {
					return err
				}
			}
			return nil
		},
	}, nil
}
