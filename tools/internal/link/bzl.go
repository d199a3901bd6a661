package link

import (
	"fmt"
	"sort"
	"strings"
)

// EmbeddedBzl renders EmbeddedKinds as the Starlark table that the rules
// load (rules/private/embedded.bzl), so that the names live in one place:
// here. A test keeps the committed file equal to it.
func EmbeddedBzl() string {
	var b strings.Builder
	b.WriteString(`"""The blobs vmlinux_with_fips140 embeds: generated from tools/internal/link.EmbeddedKinds.

Do not edit: regenerate with ` + "`go test ./tools/internal/link -run TestEmbeddedBzl -update`" + `.
"""

visibility("//rules/private/...")

# Keyed by ldwrap flag: the input section the embed helper writes, the
# output section the placement script gathers it into, and the symbols that
# bound it.
EMBEDDED = {
`)
	kinds := EmbeddedKinds()
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Flag < kinds[j].Flag })
	for _, k := range kinds {
		fmt.Fprintf(&b, "    %q: struct(\n", k.Flag)
		fmt.Fprintf(&b, "        end = %q,\n", k.End)
		fmt.Fprintf(&b, "        input_section = %q,\n", k.InputSection)
		fmt.Fprintf(&b, "        output_section = %q,\n", k.OutputSection)
		fmt.Fprintf(&b, "        start = %q,\n", k.Start)
		b.WriteString("    ),\n")
	}
	b.WriteString("}\n")
	return b.String()
}
