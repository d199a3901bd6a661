package kernelbuild

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/internal/ar"
	"github.com/rules-fips140/rules_fips140/tools/internal/kconfig"
)

func parse(t *testing.T, name, text string) *kconfig.Config {
	t.Helper()
	c, err := kconfig.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConfigDrift(t *testing.T) {
	committed := parse(t, "x86_64.config", `CONFIG_A=y
# CONFIG_B is not set
CONFIG_C="text"
CONFIG_CRYPTO_FIPS140_EXTMOD=y
CONFIG_CRYPTO_FIPS140_HMAC_KEY="key"
CONFIG_E=m
`)
	same := parse(t, "resolved", "CONFIG_A=y\nCONFIG_C=\"text\"\nCONFIG_E=m\n")
	if d := ConfigDrift(committed, same); len(d) != 0 {
		t.Errorf("drift of a resolved config without the seed's options: %q, want none", d)
	}
	changed := parse(t, "resolved", "CONFIG_A=m\nCONFIG_B=y\nCONFIG_C=\"text\"\nCONFIG_D=y\n")
	want := []string{
		"CONFIG_A: x86_64.config has y, Kconfig resolves m",
		"CONFIG_B: x86_64.config has n, Kconfig resolves y",
		"CONFIG_D: x86_64.config has (absent), Kconfig resolves y",
		"CONFIG_E: x86_64.config has m, Kconfig resolves (absent)",
	}
	if diff := cmp.Diff(want, ConfigDrift(committed, changed)); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
}

func TestCompileFlagsAndObjtool(t *testing.T) {
	dir := t.TempDir()
	k := kbuild{src: "/w/src", obj: "/w/obj"}
	cmd := filepath.Join(dir, ".probe_c.o.cmd")
	os.WriteFile(cmd, []byte(`savedcmd_probe_c.o := gcc -Wp,-MMD,./.probe_c.o.d -nostdinc -I/w/src/include -I/w/obj/include/generated -include /w/src/include/linux/kconfig.h -D__KERNEL__ -O2 -DMODULE -DKBUILD_BASENAME='"probe_c"' -DKBUILD_MODNAME='"probe"' -D__KBUILD_MODNAME=probe -c -o probe_c.o probe_c.c

source_probe_c.o := probe_c.c
`), 0o644)
	got, err := k.compileFlags(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-nostdinc", "-I@SRC@/include", "-I@OBJ@/include/generated", "-include", "@SRC@/include/linux/kconfig.h", "-D__KERNEL__", "-O2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("compileFlags (-want +got):\n%s", diff)
	}
	link := filepath.Join(dir, ".probe.o.cmd")
	os.WriteFile(link, []byte("savedcmd_probe.o := ld -m elf_x86_64 -r -o probe.o @probe.mod  ; /w/obj/tools/objtool/objtool --hacks=jump_label --ibt  --link  --module probe.o\n"), 0o644)
	args, err := k.objtoolArgs(link)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"--hacks=jump_label", "--ibt", "--link", "--module"}, args); diff != "" {
		t.Errorf("objtoolArgs (-want +got):\n%s", diff)
	}
	os.WriteFile(link, []byte("savedcmd_probe.o := ld -r -o probe.o @probe.mod\n"), 0o644)
	if args, err := k.objtoolArgs(link); err != nil || args != nil {
		t.Errorf("objtoolArgs without objtool = %q, %v; want none", args, err)
	}
	os.WriteFile(cmd, []byte("no command here\n"), 0o644)
	if _, err := k.compileFlags(cmd); err == nil || !strings.Contains(err.Error(), cmd) {
		t.Errorf("compileFlags of a file without savedcmd: %v, want an error naming it", err)
	}
}

func TestRemoveMembers(t *testing.T) {
	obj := t.TempDir()
	var leaves []ar.Leaf
	for _, name := range []string{"init/main.o", "crypto/aes.o", "crypto/api.o", "crypto/sha256.o"} {
		path := filepath.Join(obj, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte("object "+name), 0o644)
		leaves = append(leaves, ar.Leaf{Path: path, Size: int64(len("object " + name))})
	}
	archive := filepath.Join(obj, "vmlinux.a")
	var buf bytes.Buffer
	if err := ar.WriteThin(&buf, archive, leaves); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(archive, buf.Bytes(), 0o644)
	if err := removeMembers(archive, obj, []string{"crypto/sha256.o", "crypto/aes.o"}); err != nil {
		t.Fatal(err)
	}
	left, err := ar.Leaves(archive)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range left {
		rel, _ := filepath.Rel(obj, l.Path)
		got = append(got, rel)
	}
	if diff := cmp.Diff([]string{"init/main.o", "crypto/api.o"}, got); diff != "" {
		t.Errorf("members left, in order (-want +got):\n%s", diff)
	}
	err = removeMembers(archive, obj, []string{"crypto/aes.o"})
	if err == nil || !strings.Contains(err.Error(), "crypto/aes.o not among vmlinux's objects") {
		t.Errorf("removing a member that is gone: %v, want an error naming it", err)
	}
}
