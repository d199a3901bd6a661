// Package example checks what the example tree (examples/) builds, for
// x86_64 and arm64 with gcc and with clang, with the project's user-facing tools: the fips140
// verifier and the archiver.
package example

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ebtf "github.com/cilium/ebpf/btf"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// runfile resolves a $(rlocationpath) from the environment.
func runfile(t *testing.T, p string) string {
	t.Helper()
	return filepath.Join(os.Getenv("TEST_SRCDIR"), p)
}

// outputs maps the example's output files, by their path below examples/,
// for one architecture.
func outputs(t *testing.T, env string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, p := range strings.Fields(os.Getenv(env)) {
		if _, rest, ok := strings.Cut(p, "examples/"); ok {
			files[rest] = runfile(t, p)
		}
	}
	return files
}

func tool(t *testing.T, env string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(runfile(t, os.Getenv(env)), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, out, stderr.Bytes())
	}
	return out
}

func sectionData(t *testing.T, path, name string) ([]byte, bool) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(name)
	if s == nil {
		return nil, false
	}
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	return data, true
}

func TestExample(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test, which builds the example")
	}
	for _, arch := range []struct{ name, compiler, env string }{
		{"x86_64", "gcc", "X86_64_GCC_FILES"},
		{"x86_64", "clang", "X86_64_CLANG_FILES"},
		{"arm64", "gcc", "ARM64_GCC_FILES"},
		{"arm64", "clang", "ARM64_CLANG_FILES"},
	} {
		t.Run(arch.name+"/"+arch.compiler, func(t *testing.T) {
			files := outputs(t, arch.env)
			need := func(p string) string {
				t.Helper()
				f, ok := files[p]
				if !ok {
					t.Fatalf("the example built no %s (has %d files)", p, len(files))
				}
				return f
			}
			vmlinux := need("vmlinux/vmlinux")
			ko := need("fips140/crypto/fips140/fips140.ko")
			config := runfile(t, "_main/examples/configs/"+arch.name+".config")
			wantMachine := map[string]elf.Machine{"x86_64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch.name]
			for _, p := range []string{ko, vmlinux} {
				f, err := elf.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				if f.Machine != wantMachine {
					t.Errorf("%s is for %v, want %v", p, f.Machine, wantMachine)
				}
				f.Close()
			}

			// The verifier: bounds on the section edges, an ET_REL module
			// named fips140 for this architecture, the digest right.
			var verify struct {
				OK     bool `json:"ok"`
				Checks []struct {
					Name   string `json:"name"`
					OK     bool   `json:"ok"`
					Detail string `json:"detail"`
				} `json:"checks"`
			}
			if err := json.Unmarshal(tool(t, "FIPS140", "verify", "--json", "--config", config, vmlinux), &verify); err != nil {
				t.Fatal(err)
			}
			if !verify.OK || len(verify.Checks) < 5 {
				t.Errorf("fips140 verify: %+v", verify)
			}

			// The embedded bytes are fips140.ko's.
			extracted := filepath.Join(t.TempDir(), "fips140.ko")
			tool(t, "FIPS140", "extract", "-o", extracted, vmlinux)
			want, err := os.ReadFile(ko)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(extracted)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("vmlinux embeds %d bytes that differ from fips140.ko's %d", len(got), len(want))
			}

			// The API stubs: the placeholder in vmlinux, what fills it in
			// fips140.ko.
			for file, sym := range map[string]string{vmlinux: "fips140_api_cipher_core_xor", ko: "fips140_api_cipher_core_xor_impl"} {
				if !hasSymbol(t, file, sym) {
					t.Errorf("%s does not define %s", file, sym)
				}
			}

			// fips140.ko is module fips140 and carries no =m marker; the
			// =m module toy_cipher.ko carries it.
			modinfo, _ := sectionData(t, ko, ".modinfo")
			if !bytes.Contains(modinfo, []byte("\x00name=fips140\x00")) && !bytes.HasPrefix(modinfo, []byte("name=fips140\x00")) {
				t.Errorf("fips140.ko .modinfo has no name=fips140: %q", modinfo)
			}
			if _, ok := sectionData(t, ko, ".fips140_crypto_marker"); ok {
				t.Error("fips140.ko has a .fips140_crypto_marker section; only =m modules should")
			}
			marker, ok := sectionData(t, need("fips140/crypto/toy_cipher.ko"), ".fips140_crypto_marker")
			if !ok || string(bytes.TrimRight(marker, "\x00")) != "FIPS140_CRYPTO_OBJS_M" {
				t.Errorf("toy_cipher.ko marker = %q (present %v), want FIPS140_CRYPTO_OBJS_M", marker, ok)
			}
			if _, ok := files["fips140/crypto/unused.ko"]; ok {
				t.Error("the =n object unused became a module")
			}

			// Link order, which is init order: the archive holds the =y
			// parts as listed in fips140_ko.objs, the generated main last,
			// and .fips140.order names the objects in that order.
			members := strings.Fields(string(tool(t, "ARCHIVER", "list", need("fips140/crypto/fips140/crypto-module.a"))))
			var names []string
			for _, m := range members {
				names = append(names, filepath.Base(m))
			}
			wantMembers := "cipher_core.o rot13.o xor8.o sum16_core.o sum16_glue.o fips140_api-fips.o fips140-main.o"
			if strings.Join(names, " ") != wantMembers {
				t.Errorf("crypto-module.a members = %q, want %q", names, wantMembers)
			}
			order, err := os.ReadFile(need("fips140/crypto/fips140/.fips140.order"))
			if err != nil {
				t.Fatal(err)
			}
			// As the seed writes it: the one module of the -c modpost pass.
			if want := "crypto/fips140/fips140.o\n"; string(order) != want {
				t.Errorf(".fips140.order = %q, want %q", order, want)
			}
			// The generated main calls the upstream-style parts in link
			// order, after the seed-style initcall levels 0 and 1.
			mainC, err := os.ReadFile(need("fips140/crypto/fips140/fips140-main.c"))
			if err != nil {
				t.Fatal(err)
			}
			c := string(mainC)
			idx := func(s string) int {
				i := strings.Index(c, s)
				if i < 0 {
					t.Fatalf("fips140-main.c lacks %q", s)
				}
				return i
			}
			if !(idx("__fips140_initcall1_start, __fips140_initcall1_end);") < idx("fips140_parts_ops[i].init()") &&
				idx(`{ "rot13", `) < idx(`{ "sum16", `)) {
				t.Error("fips140-main.c does not run level 0-1 initcalls, then rot13, then sum16")
			}

			t.Run("btf", func(t *testing.T) {
				ko, err := os.ReadFile(need("fips140_btf/crypto/fips140/fips140.ko"))
				if err != nil {
					t.Fatal(err)
				}
				checkBTF(t, need, runfile(t, "_main/examples/configs/"+arch.name+"-btf.config"), ko)
			})
		})
	}
}

// TestPrebuiltModule checks EXTMOD_SOURCE and DUAL_VERSION on the example:
// the certified (prebuilt) module is embedded and its digest verifies, and
// in dual mode the fresh module sits beside it as nonfips140.
func TestPrebuiltModule(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test, which builds the example")
	}
	for _, arch := range []struct{ name, env string }{
		{"x86_64", "X86_64_GCC_FILES"},
		{"arm64", "ARM64_GCC_FILES"},
	} {
		files := outputs(t, arch.env)
		read := func(t *testing.T, p string) []byte {
			t.Helper()
			f, ok := files[p]
			if !ok {
				t.Fatalf("the example built no %s", p)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		for _, variant := range []string{"extmod_source", "dual", "extmod_source_btf", "dual_btf"} {
			t.Run(arch.name+"/"+variant, func(t *testing.T) {
				withBTF := strings.HasSuffix(variant, "_btf")
				dual := strings.HasPrefix(variant, "dual")
				certified := read(t, "certified/crypto/fips140/fips140.ko")
				fresh := read(t, "fips140/crypto/fips140/fips140.ko")
				if withBTF {
					fresh = read(t, "fips140_btf/crypto/fips140/fips140.ko")
				}
				if bytes.Equal(certified, fresh) {
					t.Fatal("the certified and fresh modules are the same bytes; the test proves nothing")
				}
				vmlinux := files["vmlinux_"+variant+"/vmlinux"]
				config := runfile(t, "_main/examples/configs/"+arch.name+"-"+strings.ReplaceAll(variant, "_", "-")+".config")
				var verify struct {
					OK bool `json:"ok"`
				}
				out := tool(t, "FIPS140", "verify", "--json", "--config", config, vmlinux)
				if err := json.Unmarshal(out, &verify); err != nil || !verify.OK {
					t.Errorf("fips140 verify: %v\n%s", err, out)
				}
				region := func(name string) []byte {
					p := filepath.Join(t.TempDir(), name)
					tool(t, "FIPS140", "extract", "--region", name, "-o", p, vmlinux)
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					return b
				}
				if !bytes.Equal(region("fips140.ko"), certified) {
					t.Error("vmlinux does not embed the certified module as fips140.ko")
				}
				inspect := string(tool(t, "FIPS140", "inspect", vmlinux))
				hasNon := strings.Contains(inspect, "nonfips140.ko")
				switch {
				case dual && !hasNon:
					t.Errorf("dual vmlinux has no nonfips140 region:\n%s", inspect)
				case dual && !bytes.Equal(region("nonfips140.ko"), fresh):
					t.Error("dual vmlinux does not embed the fresh module as nonfips140.ko")
				case !dual && hasNon:
					t.Errorf("%s vmlinux has a nonfips140 region:\n%s", variant, inspect)
				}
				// With BTF, each embedded module has its BTF (checked by
				// verify as split BTF on vmlinux's .BTF), and the relink
				// found it unchanged.
				btfRegions := []string{"fips140.btf"}
				if dual {
					btfRegions = append(btfRegions, "nonfips140.btf")
				}
				for _, r := range btfRegions {
					if got := strings.Contains(inspect, r); got != withBTF {
						t.Errorf("%s vmlinux has a %s region: %v, want %v\n%s", variant, r, got, withBTF, inspect)
					}
				}
				if withBTF {
					report := string(read(t, "vmlinux_"+variant+"/crypto/fips140/btf-relink-check.txt"))
					for _, m := range map[bool][]string{false: {"fips140"}, true: {"fips140", "nonfips140"}}[dual] {
						if !strings.Contains(report, m+": module BTF identical after the relink") {
							t.Errorf("relink check for %s: %s", m, report)
						}
					}
				}
			})
		}
	}
}

// hasSymbol reports whether the ELF file at path defines sym.
func hasSymbol(t *testing.T, path, sym string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == sym && s.Section != elf.SHN_UNDEF {
			return true
		}
	}
	return false
}

type verifyResult struct {
	OK     bool `json:"ok"`
	Checks []struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
	} `json:"checks"`
}

// checkBTF checks vmlinux_btf, the example with CONFIG_DEBUG_INFO_BTF_MODULES:
// the verifier passes it with the BTF checks, .fips140_btf holds the BTF
// made against the first link, which cilium/ebpf reads as split BTF on the
// vmlinux's own .BTF, fips140_btf's module is embedded unchanged, and the relink
// check found the BTF identical.
func checkBTF(t *testing.T, need func(string) string, config string, koBytes []byte) {
	vmlinux := need("vmlinux_btf/vmlinux")
	var verify verifyResult
	if err := json.Unmarshal(tool(t, "FIPS140", "verify", "--json", "--config", config, vmlinux), &verify); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range verify.Checks {
		seen[c.Name] = c.OK
	}
	for _, name := range []string{"fips140.btf bounds", "fips140.btf is split BTF on vmlinux's .BTF", "fips140.hmac matches"} {
		if !seen[name] {
			t.Errorf("fips140 verify: check %q missing or failed: %+v", name, verify)
		}
	}
	if !verify.OK {
		t.Errorf("fips140 verify: %+v", verify)
	}

	dir := t.TempDir()
	extract := func(region string) []byte {
		out := filepath.Join(dir, region)
		tool(t, "FIPS140", "extract", "-region", region, "-o", out, vmlinux)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if !bytes.Equal(extract("fips140.ko"), koBytes) {
		t.Error("vmlinux_btf does not embed fips140.ko unchanged")
	}
	blob := extract("fips140.btf")
	made, err := os.ReadFile(need("vmlinux_btf/crypto/fips140/.fips140.ko.btf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blob, made) {
		t.Errorf(".fips140_btf holds %d bytes, not the %d bytes made against the first link", len(blob), len(made))
	}

	// cilium/ebpf: the blob is split BTF on vmlinux's .BTF, with the
	// module's own types after the base's.
	base, err := ebtf.LoadSpec(vmlinux)
	if err != nil {
		t.Fatalf("vmlinux .BTF: %v", err)
	}
	spec, err := ebtf.LoadSplitSpecFromReader(bytes.NewReader(blob), base)
	if err != nil {
		t.Fatalf(".fips140_btf on vmlinux's .BTF: %v", err)
	}
	var own []string
	for typ, err := range spec.All() {
		if err != nil {
			t.Fatal(err)
		}
		id, err := spec.TypeID(typ)
		if err != nil {
			t.Fatal(err)
		}
		if !baseHas(base, id) {
			own = append(own, fmt.Sprintf("%v", typ))
		}
	}
	if len(own) == 0 {
		t.Error("the module BTF adds no types to vmlinux's")
	}
	// The generated main's part table is among them.
	var part *ebtf.Struct
	if err := spec.TypeByName("fips140_part", &part); err != nil {
		t.Errorf("struct fips140_part in the module BTF: %v (own types: %q)", err, own)
	} else if id, _ := spec.TypeID(part); id == 0 || baseHas(base, id) {
		t.Errorf("struct fips140_part has id %d, not one of the module's own", id)
	}

	report, err := os.ReadFile(need("vmlinux_btf/crypto/fips140/btf-relink-check.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(report), "fips140: module BTF identical after the relink") {
		t.Errorf("relink check: %s", report)
	}
}

func baseHas(base *ebtf.Spec, id ebtf.TypeID) bool {
	_, err := base.TypeByID(id)
	return err == nil
}

// TestShortKeyMinimum: a kernel_config's min_key_length reaches the HMAC
// action. The example linked with a 32-character key, whose kernel_config
// sets min_key_length = 32, carries that key's digest: the verifier accepts
// it with the same minimum and refuses the key with the default of 80.
func TestShortKeyMinimum(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test, which builds the example")
	}
	vmlinux := ""
	for _, p := range strings.Fields(os.Getenv("SHORT_KEY_FILES")) {
		if strings.HasSuffix(p, "/vmlinux_short_key/vmlinux") {
			vmlinux = runfile(t, p)
		}
	}
	if vmlinux == "" {
		t.Fatalf("no vmlinux_short_key/vmlinux in SHORT_KEY_FILES %q", os.Getenv("SHORT_KEY_FILES"))
	}
	config := runfile(t, os.Getenv("SHORT_KEY_CONFIG"))
	var verify struct {
		OK bool `json:"ok"`
	}
	if err := json.Unmarshal(tool(t, "FIPS140", "verify", "--json", "--min-key-len", "32", "--config", config, vmlinux), &verify); err != nil {
		t.Fatal(err)
	}
	if !verify.OK {
		t.Errorf("fips140 verify --min-key-len 32: not ok")
	}
	out, err := exec.Command(runfile(t, os.Getenv("FIPS140")), "verify", "--config", config, vmlinux).CombinedOutput()
	if want := "the HMAC key is 32 characters long; at least 80 are required"; err == nil || !strings.Contains(string(out), want) {
		t.Errorf("fips140 verify with the default minimum: %v, %q; want a failure saying %q", err, out, want)
	}
}

// TestCompilersAgree checks that the gcc build (GNU ld) and the clang build
// (ld.lld) lay out each of the example's vmlinux images alike: the same
// allocated sections in the same address order, with the fips140 blobs
// together, right after the read-only data and the notes and right before
// the script's .got or .data.
func TestCompilersAgree(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test, which builds the example")
	}
	for _, arch := range []string{"X86_64", "ARM64"} {
		gcc, clang := outputs(t, arch+"_GCC_FILES"), outputs(t, arch+"_CLANG_FILES")
		for _, image := range []string{"vmlinux", "vmlinux_btf", "vmlinux_dual", "vmlinux_dual_btf", "vmlinux_extmod_source", "vmlinux_extmod_source_btf"} {
			t.Run(arch+"/"+image, func(t *testing.T) {
				p := image + "/vmlinux"
				if gcc[p] == "" || clang[p] == "" {
					t.Fatalf("no %s in the gcc or the clang build", p)
				}
				g, c := sectionOrder(t, gcc[p]), sectionOrder(t, clang[p])
				if strings.Join(g, " ") != strings.Join(c, " ") {
					t.Errorf("allocated sections differ:\n gcc:   %s\n clang: %s", g, c)
				}
				checkBlobsPlaced(t, gcc[p], g)
			})
		}
	}
}

// sectionOrder lists the non-empty allocated sections of the ELF file at
// path, by address.
func sectionOrder(t *testing.T, path string) []string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var alloc []*elf.Section
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Size > 0 {
			alloc = append(alloc, s)
		}
	}
	slices.SortStableFunc(alloc, func(a, b *elf.Section) int { return cmp.Compare(a.Addr, b.Addr) })
	var names []string
	for _, s := range alloc {
		names = append(names, s.Name)
	}
	return names
}

// checkBlobsPlaced checks that the blob sections in order are contiguous,
// follow the read-only data (.rodata or .notes) and precede .got or .data.
func checkBlobsPlaced(t *testing.T, path string, order []string) {
	t.Helper()
	first, last := -1, -1
	for i, name := range order {
		if strings.Contains(name, "fips140_") {
			if first < 0 {
				first = i
			} else if last != i-1 {
				t.Errorf("%s: blob sections are not together: %s", path, order)
			}
			last = i
		}
	}
	if first < 1 || last+1 >= len(order) {
		t.Fatalf("%s: blobs at the edge of the image: %s", path, order)
	}
	if before, after := order[first-1], order[last+1]; !slices.Contains([]string{".rodata", ".notes"}, before) || !slices.Contains([]string{".got", ".data"}, after) {
		t.Errorf("%s: blobs between %s and %s, want after the read-only data and before .got or .data: %s", path, before, after, order)
	}
}
