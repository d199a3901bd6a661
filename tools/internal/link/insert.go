package link

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// atClause is an output section's load address as kernel scripts write it:
// AT(ADDR(.name) - OFFSET).
var atClause = regexp.MustCompile(`^\s*AT\s*\(\s*ADDR\s*\(\s*([.\w]+)\s*\)\s*([-+]\s*[0-9A-Za-z_x]+)\s*\)`)

// SeedAnchors are the output sections the seed's vmlinux.lds.S puts the
// blobs right before, as InsertBefore takes them: x86_64's .data (after
// X86_ALIGN_RODATA_END); arm64's HYPERVISOR_RODATA_SECTIONS (.hyp.rodata,
// only with KVM), else .got, both right after RO_DATA.
func SeedAnchors(arch elf.Arch) string {
	return map[elf.Arch]string{elf.X86_64: ".data", elf.ARM64: ".hyp.rodata,.got"}[arch]
}

// InsertBefore returns a whole linker script (a kernel's vmlinux.lds) with
// the blobs' output sections written into it right before the output
// section anchor, as the seed's vmlinux.lds.S places them. Written into the
// script, not INSERTed, they land in the same place with GNU ld and
// ld.lld. anchors is a comma-separated list: the first output section the
// script has is the anchor. When the anchor has a load address
// AT(ADDR(anchor) - OFFSET) (x86_64's LOAD_OFFSET), each inserted section
// gets the same form.
func InsertBefore(name string, script []byte, anchors string, kinds []Embedded) ([]byte, error) {
	text := string(script)
	anchor := firstAnchor(text, anchors)
	at, err := findOutputSection(text, anchor)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	offset := ""
	rest := text[at+len(anchor):]
	if colon := strings.IndexByte(rest, ':'); colon >= 0 {
		if m := atClause.FindStringSubmatch(rest[colon+1:]); m != nil && m[1] == anchor {
			offset = strings.Join(strings.Fields(m[2]), " ")
		}
	}
	var b strings.Builder
	b.WriteString(text[:at])
	// One line, the anchor's: the script's line numbers, which the
	// linker's messages give, stay those of the kernel's file.
	b.WriteString("/* fips140 embedded blobs, placed as the seed's vmlinux.lds.S does. Inserted by ldwrap. */")
	for _, k := range kinds {
		load := ""
		if offset != "" {
			load = fmt.Sprintf(" AT(ADDR(%s) %s)", k.OutputSection, offset)
		}
		fmt.Fprintf(&b, " %s :%s ALIGN(8) { %s = .; KEEP(*(%s)) %s = .; }", k.OutputSection, load, k.Start, k.InputSection, k.End)
	}
	b.WriteString(" ")
	b.WriteString(text[at:])
	return []byte(b.String()), nil
}

// firstAnchor picks the first of the comma-separated output sections that
// the script has, or the last one (whose absence InsertBefore reports).
func firstAnchor(script, anchors string) string {
	list := strings.Split(anchors, ",")
	for _, a := range list {
		if _, err := findOutputSection(script, a); err == nil {
			return a
		}
	}
	return list[len(list)-1]
}

// findOutputSection returns where the output section statement `name :`
// starts at the top level of the SECTIONS command, skipping comments.
func findOutputSection(text, name string) (int, error) {
	depth, inSections := 0, false
	found := -1
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return 0, fmt.Errorf("unterminated comment at byte %d", i)
			}
			i += end + 3
		case c == '"':
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				return 0, fmt.Errorf("unterminated string at byte %d", i)
			}
			i += end + 1
		case c == '{':
			if depth == 0 && strings.HasSuffix(strings.TrimSpace(text[:i]), "SECTIONS") {
				inSections = true
			}
			depth++
		case c == '}':
			depth--
			if depth < 0 {
				return 0, fmt.Errorf("unbalanced } at byte %d", i)
			}
			if depth == 0 {
				inSections = false
			}
		case inSections && depth == 1 && strings.HasPrefix(text[i:], name) && (i == 0 || isSep(text[i-1])):
			after := strings.TrimLeft(text[i+len(name):], " \t\n")
			if !strings.HasPrefix(after, ":") {
				continue
			}
			if found >= 0 {
				return 0, fmt.Errorf("output section %s appears twice", name)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("no output section %s at the top of SECTIONS to place the fips140 sections before", name)
	}
	return found, nil
}

func isSep(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '}'
}
