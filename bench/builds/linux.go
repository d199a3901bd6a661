package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// linuxEdited is the =y crypto source that the linux scenario edits: a
// part of fips140.ko in examples/linux, built into vmlinux by plain kbuild.
const linuxEdited = "crypto/cbc.c"

// kbuildTools are the compilers that the kernel toolchain uses for each
// platform (gcc flavour), by name on the build root's PATH.
var kbuildTools = map[string]struct{ arch, triple string }{
	"x86_64": {"x86_64", "x86_64-linux-gnu"},
	"arm64":  {"arm64", "aarch64-linux-gnu"},
}

// kbuildEnv is the fixed build identity that the kernel_build action sets
// too (tools/internal/kernelbuild).
var kbuildEnv = []string{
	"KBUILD_BUILD_TIMESTAMP=Thu Jan  1 00:00:00 UTC 1970",
	"KBUILD_BUILD_USER=rules_fips140",
	"KBUILD_BUILD_HOST=bazel",
	"KBUILD_BUILD_VERSION=1",
	"SOURCE_DATE_EPOCH=0",
}

// kbuildVmlinux returns the make command that builds vmlinux in an object
// tree of src, as the kernel_build action calls make.
func (b *bench) kbuildVmlinux(arch, src, obj string) []string {
	t := kbuildTools[arch]
	argv := append([]string{"env"}, kbuildEnv...)
	return append(argv,
		b.o.make, "-C", src, "O="+obj, fmt.Sprintf("-j%d", runtime.NumCPU()), "-s",
		"ARCH="+t.arch, "CROSS_COMPILE="+t.triple+"-",
		"CC="+t.triple+"-gcc-16", "LD="+t.triple+"-ld.bfd",
		"vmlinux",
	)
}

// linuxTree unpacks the pinned linux-source-7.2 tarball (what the
// kernel_build action unpacks) into the work dir, for kbuild.
func (b *bench) linuxTree(name string) (string, error) {
	repo, err := b.fetched("debian_linux_source_7_2_tarball", linuxSource+"_tarball")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.workDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, err := timeCommand([]string{"tar", "-xJf", filepath.Join(repo, "linux-source-7.2.tar.xz"), "-C", dir}); err != nil {
		return "", err
	}
	return filepath.Join(dir, "linux-source-7.2"), nil
}

// linux measures //:vmlinux, the real kernel: a cold build in a fresh
// output base beside kbuild's cold `make vmlinux` of the same tree and
// .config, then rounds of the same edit to one =y crypto .c in both.
func (b *bench) linux() (*table, error) {
	t := &table{
		title:  "//:vmlinux, the real Linux 7.2 kernel (examples/linux), side by side with kbuild's make on the same tree",
		header: []string{"platform", "build", "Bazel", "kbuild make", "Bazel ÷ kbuild", "Bazel actions run", "what ran", "goal", "met"},
	}
	for _, arch := range b.o.archs {
		source, err := b.sourceCopy("linux-source-bazel-" + arch)
		if err != nil {
			return t, err
		}
		tree, err := b.linuxTree("linux-kbuild-" + arch)
		if err != nil {
			return t, err
		}
		obj := filepath.Join(b.o.workDir, "linux-obj-"+arch)
		if err := os.MkdirAll(obj, 0o755); err != nil {
			return t, err
		}
		config, err := os.ReadFile(filepath.Join(b.src, "examples/linux/configs", arch+".config"))
		if err != nil {
			return t, err
		}
		if err := os.WriteFile(filepath.Join(obj, ".config"), config, 0o644); err != nil {
			return t, err
		}
		makeArgv := b.kbuildVmlinux(arch, tree, obj)
		s := b.server("linux-"+arch, "--platforms=//platforms:"+arch, "--override_repository="+linuxSource+"="+source)

		cold, err := s.build("//:vmlinux")
		if err != nil {
			return t, err
		}
		kcold, err := timeCommand(makeArgv)
		if err != nil {
			return t, err
		}
		fmt.Fprintf(b.log, "  %.2fs  make vmlinux (cold)\n", kcold.Seconds())
		t.rows = append(t.rows, []string{arch, "cold", secs(cold.wall), secs(kcold), ratio(cold.wall, kcold), fmt.Sprint(cold.executed()), cold.mnemonicsShort(), "", "—"})

		var bazel, kbuild []time.Duration
		var last build
		kernelReran := false
		maxActions := 0
		for r := 0; r < b.o.rounds; r++ {
			// The same bytes appended in both trees.
			if _, err := b.edit(filepath.Join(source, linuxEdited)); err != nil {
				return t, err
			}
			b.edits--
			if _, err := b.edit(filepath.Join(tree, linuxEdited)); err != nil {
				return t, err
			}
			for i := 0; i < 2; i++ {
				if (i == 0) == (r%2 == 0) {
					res, err := s.build("//:vmlinux")
					if err != nil {
						return t, err
					}
					bazel = append(bazel, res.wall)
					last = res
					maxActions = max(maxActions, res.executed())
					for _, sp := range res.spawns {
						kernelReran = kernelReran || sp.Mnemonic == "KernelBuild"
					}
				} else {
					w, err := timeCommand(makeArgv)
					if err != nil {
						return t, err
					}
					fmt.Fprintf(b.log, "  %.2fs  make vmlinux\n", w.Seconds())
					kbuild = append(kbuild, w)
				}
			}
		}
		bz, kb := medianOf(bazel), medianOf(kbuild)
		t.rows = append(t.rows, []string{
			arch, fmt.Sprintf("edit %s (=y), median of %d", linuxEdited, b.o.rounds), secs(bz), secs(kb), ratio(bz, kb),
			fmt.Sprintf("%d (at most)", maxActions), last.mnemonics(), "≤ 12 actions, no KernelBuild, ≤ 1.0× kbuild",
			yesNo(maxActions <= 12 && !kernelReran && bz <= kb),
		})
		s.shutdown()
	}
	t.notes = append(t.notes,
		fmt.Sprintf("Bazel: `bazel build --platforms=//platforms:<arch> //:vmlinux` in a fresh output base, linux-source-7.2 overridden by a copy so that %s can be edited (the kernel_build action reads the pinned tarball, which is not edited). kbuild: `make -C <copy> O=<obj> -j%d ARCH=… CROSS_COMPILE=… CC=<triple>-gcc-16 LD=<triple>-ld.bfd vmlinux` with the same .config and build identity, where the part is built into vmlinux.", linuxEdited, runtime.NumCPU()),
		fmt.Sprintf("Each round appends the same used constant to %s in both trees and rebuilds both, the side that goes first alternating; medians. Bazel's cold build includes fetching and unpacking the external repositories and compiling the Go helpers; kbuild's cold build is make alone.", linuxEdited))
	return t, nil
}
