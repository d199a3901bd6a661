package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// benchCase is one row of the table: our helper and the native tool doing
// the same job on the same input.
type benchCase struct {
	tool, input  string
	target       float64 // the ours ÷ native ratio we aim for
	ours, native side
	check        func() error // compares the two sides' outputs
	// swapDirs swaps the sides' directories (which hold the same inputs)
	// every round, so that neither side keeps the faster spot on disk.
	swapDirs bool
}

// side is one way of doing the job: commands run in order in dir.
type side struct {
	dir   string
	cmds  [][]string
	clean func() error // removes the outputs before a run
}

// prepare writes the inputs of the bench called name under work and
// returns its cases.
func prepare(name string, spec inputSpec, t tools, work string) ([]benchCase, error) {
	switch name {
	case "hmac":
		return prepareHMAC(spec, t, work)
	case "archiver":
		return prepareArchiver(spec, t, work)
	case "modpost":
		return prepareModpost(spec, t, work)
	case "embed":
		return prepareEmbed(spec, t, work)
	}
	return nil, fmt.Errorf("unknown bench %q", name)
}

// moduleDir writes the shared pseudo-random module (fips140.ko) into
// work/module, which hmac and embed both run in.
func moduleDir(spec inputSpec, work string) (string, error) {
	dir := filepath.Join(work, "module")
	return dir, writeModule(filepath.Join(dir, "fips140.ko"), spec.moduleBytes)
}

func sizeLabel(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB module", n>>20)
	}
	return fmt.Sprintf("%d-byte module", n)
}

func prepareHMAC(spec inputSpec, t tools, work string) ([]benchCase, error) {
	dir, err := moduleDir(spec, work)
	if err != nil {
		return nil, err
	}
	return []benchCase{{
		tool: "hmac sign", input: sizeLabel(spec.moduleBytes), target: 1.1,
		ours: side{dir: dir, clean: removeFiles(dir, "ours.hmac"), cmds: [][]string{
			{t.ours.hmac, "sign", "--key", hmacKey, "--module", "fips140.ko", "--out", "ours.hmac"},
		}},
		native: side{dir: dir, clean: removeFiles(dir, "native.hmac"), cmds: [][]string{
			{t.openssl, "dgst", "-sha256", "-hmac", hmacKey, "-binary", "-out", "native.hmac", "fips140.ko"},
		}},
		check: func() error {
			return sameFiles(dir, "ours.hmac", "native.hmac", 32)
		},
	}}, nil
}

func prepareEmbed(spec inputSpec, t tools, work string) ([]benchCase, error) {
	dir, err := moduleDir(spec, work)
	if err != nil {
		return nil, err
	}
	const section = ".fips140_module_data"
	return []benchCase{{
		tool: "embed", input: sizeLabel(spec.moduleBytes), target: 1.0,
		ours: side{dir: dir, clean: removeFiles(dir, "ours.o"), cmds: [][]string{
			{t.ours.embed, "-arch", "x86_64", "-in", "fips140.ko", "-section", section, "-out", "ours.o"},
		}},
		native: side{dir: dir, clean: removeFiles(dir, "native.o"), cmds: [][]string{
			{t.ld, "-m", "elf_x86_64", "-r", "-b", "binary", "-o", "native.o", "fips140.ko"},
			{t.objcopy, "--rename-section", ".data=" + section, "native.o"},
		}},
		check: func() error {
			return sameFiles(dir, "ours.o", "native.o", -1)
		},
	}}, nil
}

// prepareArchiver makes two cases: a thin archive of the objects
// themselves, and one of 40 thin subdirectory archives holding them (as
// kbuild makes a directory's built-in.a), which both tools flatten.
func prepareArchiver(spec inputSpec, t tools, work string) ([]benchCase, error) {
	dir := filepath.Join(work, "archiver")
	objs, err := writeObjects(dir, t.ours.embed, spec.objects)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "objects.params"), []byte(strings.Join(objs, "\n")+"\n")); err != nil {
		return nil, err
	}
	var subs []string
	for d := range min(40, spec.objects) {
		sub := fmt.Sprintf("drivers/subsys%02d/built-in.a", d)
		var members []string
		for i := d; i < len(objs); i += 40 {
			members = append(members, objs[i])
		}
		os.Remove(filepath.Join(dir, sub))
		if err := runIn(dir, append([]string{t.ar, "cDPrST", sub}, members...)); err != nil {
			return nil, fmt.Errorf("making %s with ar: %w", sub, err)
		}
		subs = append(subs, sub)
	}
	if err := writeFile(filepath.Join(dir, "subdirs.params"), []byte(strings.Join(subs, "\n")+"\n")); err != nil {
		return nil, err
	}
	mk := func(input, params, stem string) benchCase {
		ours, native := stem+".ours.a", stem+".native.a"
		return benchCase{
			tool: "archiver create", input: input, target: 1.5,
			ours: side{dir: dir, clean: removeFiles(dir, ours), cmds: [][]string{
				{t.ours.archiver, "create", "-o", ours, "@" + params},
			}},
			native: side{dir: dir, clean: removeFiles(dir, native), cmds: [][]string{
				{t.ar, "cDPrST", native, "@" + params},
			}},
			check: func() error { return sameFiles(dir, ours, native, -1) },
		}
	}
	return []benchCase{
		mk(fmt.Sprintf("%d objects, thin", spec.objects), "objects.params", "objects"),
		mk(fmt.Sprintf("%d thin archives of %d objects", len(subs), spec.objects), "subdirs.params", "nested"),
	}, nil
}

// prepareModpost writes the same module objects into two directories and
// runs each modpost in one of them (swapped every round), with kbuild's
// command line for an external module build (docs/modpost-facts.md). A
// second case, unless -versioned-modules is 0, does the same with
// MODVERSIONS (modversions.go).
func prepareModpost(spec inputSpec, t tools, work string) ([]benchCase, error) {
	root := filepath.Join(work, "modpost")
	symvers := filepath.Join(root, "vmlinux.symvers")
	head, err := os.ReadFile(spec.modpostSymvers)
	if err != nil {
		return nil, err
	}
	if err := writeVmlinuxSymvers(symvers, head, spec.vmlinuxExports, func(int) uint32 { return 0 }); err != nil {
		return nil, err
	}
	sides := map[string]*side{}
	var in modpostInputs
	for _, name := range []string{"ours", "native"} {
		dir := filepath.Join(root, name)
		if in, err = writeModpostObjects(dir, spec.modpostObjs, spec.modules/2); err != nil {
			return nil, err
		}
		sides[name] = &side{dir: dir, clean: removeModpostOutputs(dir)}
	}
	args := []string{"-M", "-o", "Module.symvers", "-T", "modules.order", "-i", "../vmlinux.symvers", "-e"}
	sides["ours"].cmds = [][]string{append([]string{t.ours.modpost}, args...)}
	sides["native"].cmds = [][]string{append(slices.Clone(t.modpost), args...)}
	cases := []benchCase{{
		tool: "modpost", input: fmt.Sprintf("%d modules, %d vmlinux exports", len(in.order), spec.vmlinuxExports+countLines(spec.modpostSymvers)),
		target: 1.5,
		ours:   *sides["ours"], native: *sides["native"],
		swapDirs: true,
		check: func() error {
			return sameModpostOutputs(sides["ours"].dir, sides["native"].dir, len(in.order), in.exporters*in.exportsPer)
		},
	}}
	if spec.versioned.modules == 0 {
		return cases, nil
	}
	c, err := prepareVersionedModpost(spec, t, work)
	if err != nil {
		return nil, fmt.Errorf("the versioned modules: %w", err)
	}
	return append(cases, c), nil
}

func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("\n"))
}

func removeFiles(dir string, names ...string) func() error {
	return func() error {
		for _, n := range names {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	}
}

// removeModpostOutputs removes Module.symvers and every .mod.c under dir,
// so that both modposts write every file (the real one skips a .mod.c
// whose content is unchanged).
func removeModpostOutputs(dir string) func() error {
	return func() error {
		files, err := modC(dir)
		if err != nil {
			return err
		}
		return removeFiles(dir, append(files, "Module.symvers")...)()
	}
}

// modC lists the .mod.c files under dir, relative to it, sorted.
func modC(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".mod.c") {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// sameFiles checks that dir/a and dir/b exist and hold the same bytes,
// and, if size >= 0, that they are size bytes long.
func sameFiles(dir, a, b string, size int) error {
	da, err := os.ReadFile(filepath.Join(dir, a))
	if err != nil {
		return err
	}
	db, err := os.ReadFile(filepath.Join(dir, b))
	if err != nil {
		return err
	}
	if !bytes.Equal(da, db) {
		return fmt.Errorf("%s (%d bytes) and %s (%d bytes) differ", a, len(da), b, len(db))
	}
	if size >= 0 && len(da) != size {
		return fmt.Errorf("%s is %d bytes, want %d", a, len(da), size)
	}
	if len(da) == 0 {
		return fmt.Errorf("%s and %s are empty", a, b)
	}
	return nil
}

// sameModpostOutputs checks that dirs a and b (one per side) hold the same
// Module.symvers, with wantExports lines, and the same .mod.c files, one
// per module.
func sameModpostOutputs(a, b string, modules, wantExports int) error {
	if err := sameFiles("/", filepath.Join(a, "Module.symvers"), filepath.Join(b, "Module.symvers"), -1); err != nil {
		return err
	}
	if n := countLines(filepath.Join(a, "Module.symvers")); n != wantExports {
		return fmt.Errorf("%s/Module.symvers has %d lines, want %d", a, n, wantExports)
	}
	aC, err := modC(a)
	if err != nil {
		return err
	}
	bC, err := modC(b)
	if err != nil {
		return err
	}
	if !slices.Equal(aC, bC) || len(aC) != modules {
		return fmt.Errorf("%s holds %d .mod.c files, %s %d, want %d each with the same names", a, len(aC), b, len(bC), modules)
	}
	for _, f := range aC {
		if err := sameFiles("/", filepath.Join(a, f), filepath.Join(b, f), -1); err != nil {
			return err
		}
	}
	return nil
}
