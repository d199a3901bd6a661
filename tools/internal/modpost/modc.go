package modpost

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// modC generates <mod>.mod.c as Linux 7.2's modpost does (write_mod_c_file):
// the module header, the exported symbols with their flags (and CRCs), the
// version tables, the depends list, the device aliases and srcversion.
// Like modpost it warns about missing CRCs as it goes.
func (r *run) modC(m *module) []byte {
	var b bytes.Buffer
	b.Grow(512 + 96*len(m.exports) + 48*len(m.imports) + 64*len(m.aliases))
	b.WriteString("#include <linux/module.h>\n" +
		"#include <linux/export-internal.h>\n" +
		"#include <linux/compiler.h>\n" +
		"\n" +
		"MODULE_INFO(name, KBUILD_MODNAME);\n" +
		"\n" +
		"__visible struct module __this_module\n" +
		"__section(\".gnu.linkonce.this_module\") = {\n" +
		"\t.name = KBUILD_MODNAME,\n")
	if m.obj.HasInit {
		b.WriteString("\t.init = init_module,\n")
	}
	if m.obj.HasCleanup {
		b.WriteString("#ifdef CONFIG_MODULE_UNLOAD\n" +
			"\t.exit = cleanup_module,\n" +
			"#endif\n")
	}
	b.WriteString("\t.arch = MODULE_ARCH_INIT,\n" +
		"};\n")
	if !r.cfg.External {
		b.WriteString("\nMODULE_INFO(intree, \"Y\");\n")
	}
	if strings.HasPrefix(m.name, "drivers/staging") {
		b.WriteString("\nMODULE_INFO(staging, \"Y\");\n")
	}
	if strings.HasPrefix(m.name, "tools/testing") {
		b.WriteString("\nMODULE_INFO(test, \"Y\");\n")
	}

	b.WriteString("\n")
	for _, s := range m.exports {
		kind := "DATA"
		if s.isFunc {
			kind = "FUNC"
		}
		flags := 0
		if s.gplOnly {
			flags |= ksymFlagGPLOnly
		}
		writeStrings(&b, "KSYMTAB_", kind, "(", s.name, ", \"", s.namespace, "\");\nSYMBOL_FLAGS(", s.name, ", ")
		writeHex(&b, uint32(flags), 2)
		b.WriteString(");\n")
	}
	if r.cfg.Modversions {
		b.WriteString("\n")
		for _, s := range m.exports {
			if !s.crcValid {
				r.warnf("EXPORT symbol \"%s\" [%s.ko] version generation failed, symbol will not be versioned.\n"+
					"Is \"%s\" prototyped in <asm/asm-prototypes.h>?\n", s.name, m.name, s.name)
			}
			writeStrings(&b, "SYMBOL_CRC(", s.name, ", ")
			writeHex(&b, s.crc, 8)
			b.WriteString(");\n")
		}
	}
	if r.cfg.BasicVersions {
		r.versions(&b, m)
	}
	if r.cfg.ExtendedVersions {
		r.extendedVersions(&b, m)
	}

	b.WriteString("\nMODULE_INFO(depends, \"")
	seen := map[*module]bool{}
	first := true
	for _, imp := range m.imports {
		if imp == nil || imp.owner.isVmlinux || seen[imp.owner] {
			continue
		}
		owner := imp.owner
		seen[owner] = true
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(path.Base(owner.name))
	}
	b.WriteString("\");\n")

	b.WriteString("\n")
	for _, a := range m.aliases {
		writeStrings(&b, "MODULE_ALIAS(\"", a, "\");\n")
	}
	if m.srcversion != "" {
		fmt.Fprintf(&b, "\nMODULE_INFO(srcversion, \"%s\");\n", m.srcversion)
	}
	return b.Bytes()
}

// versioned is an import with its CRC, named as the module names it.
type versioned struct {
	name string
	crc  uint32
}

// versionedImports returns the resolved imports of m that have a CRC, in
// order, warning about the others.
func (r *run) versionedImports(m *module) []versioned {
	var out []versioned
	for i, imp := range m.imports {
		if imp == nil {
			continue
		}
		if !imp.crcValid {
			r.warnf("\"%s\" [%s.ko] has no CRC!\n", m.undef[i].Name, m.name)
			continue
		}
		out = append(out, versioned{m.undef[i].Name, imp.crc})
	}
	return out
}

// versions writes the __versions table (-b): { crc, "name" } per import.
// A name of MODULE_NAME_LEN bytes or more does not fit: with -x it is
// left to the extended tables, without it is an error that ends the table.
func (r *run) versions(b *bytes.Buffer, m *module) {
	b.WriteString("\n" +
		"static const struct modversion_info ____versions[]\n" +
		"__used __section(\"__versions\") = {\n")
	for _, s := range r.versionedImports(m) {
		if len(s.name) >= moduleNameLen {
			if r.cfg.ExtendedVersions {
				continue
			}
			r.errorf("too long symbol \"%s\" [%s.ko]\n", s.name, m.name)
			break
		}
		b.WriteString("\t{ ")
		writeHex(b, s.crc, 8)
		writeStrings(b, ", \"", s.name, "\" },\n")
	}
	b.WriteString("};\n")
}

// extendedVersions writes the -x tables: the CRCs, then the names, of the
// same imports in the same order.
func (r *run) extendedVersions(b *bytes.Buffer, m *module) {
	imps := r.versionedImports(m)
	b.WriteString("\n" +
		"static const u32 ____version_ext_crcs[]\n" +
		"__used __section(\"__version_ext_crcs\") = {\n")
	for _, s := range imps {
		b.WriteString("\t")
		writeHex(b, s.crc, 8)
		b.WriteString(",\n")
	}
	b.WriteString("};\n" +
		"static const char ____version_ext_names[]\n" +
		"__used __section(\"__version_ext_names\") =\n")
	for _, s := range imps {
		writeStrings(b, "\t\"", s.name, "\\0\"\n")
	}
	b.WriteString(";\n")
}

// writeStrings writes the strings one after the other.
func writeStrings(b *bytes.Buffer, strs ...string) {
	for _, s := range strs {
		b.WriteString(s)
	}
}

// writeHex writes v as fmt's "0x%0*x" does with width digits.
func writeHex(b *bytes.Buffer, v uint32, width int) {
	var buf [8]byte
	h := strconv.AppendUint(buf[:0], uint64(v), 16)
	b.WriteString("0x")
	for range width - len(h) {
		b.WriteByte('0')
	}
	b.Write(h)
}

// ksymFlagGPLOnly is KSYM_FLAG_GPL_ONLY from include/linux/module_symbol.h.
const ksymFlagGPLOnly = 1 << 0
