package modpost

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// modC generates <mod>.mod.c as Linux 7.2's modpost does (write_mod_c_file)
// for a kernel without MODVERSIONS: the module header, the exported symbols
// with their flags, and the depends list.
func (r *run) modC(m *module) []byte {
	var b bytes.Buffer
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
		fmt.Fprintf(&b, "KSYMTAB_%s(%s, \"%s\");\n", kind, s.name, s.namespace)
		fmt.Fprintf(&b, "SYMBOL_FLAGS(%s, 0x%02x);\n", s.name, flags)
	}

	b.WriteString("\nMODULE_INFO(depends, \"")
	seen := map[*module]bool{}
	first := true
	for _, owner := range m.owners {
		if owner == nil || owner.isVmlinux || seen[owner] {
			continue
		}
		seen[owner] = true
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(path.Base(owner.name))
	}
	b.WriteString("\");\n")

	b.WriteString("\n")
	return b.Bytes()
}

// ksymFlagGPLOnly is KSYM_FLAG_GPL_ONLY from include/linux/module_symbol.h.
const ksymFlagGPLOnly = 1 << 0
