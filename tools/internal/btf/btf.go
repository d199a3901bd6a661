// Package btf makes the BTF of a kernel module as separate files, without
// changing the module, and reads, checks and compares BTF blobs.
//
// Splitting runs the kernel's own tools, pahole and resolve_btfids, the way
// Linux 7.2's scripts/gen-btf.sh runs them for a module, but on a temporary
// copy of the module, and keeps the detached .BTF (and .BTF.base) files
// instead of adding them to the module (see Splitter). Every blob is decoded
// with github.com/cilium/ebpf/btf, never by a parser of our own.
package btf

import (
	"bytes"
	delf "debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	ebtf "github.com/cilium/ebpf/btf"

	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// Types is a decoded BTF blob whose every type has been decoded once, so
// that a malformed type is found when the blob is loaded.
type Types struct {
	Name  string // the blob as the caller named it, for messages
	Size  int    // the blob's size in bytes
	First ebtf.TypeID
	Last  ebtf.TypeID // First-1 when the blob holds no types
	Base  *Types      // the base of split BTF, or nil
	spec  *ebtf.Spec
}

// Count is the number of types the blob itself holds (not its base's).
func (t *Types) Count() int { return int(t.Last) - int(t.First) + 1 }

// Load decodes blob, named name in errors. With a nil base the blob must be
// standalone BTF (a vmlinux's .BTF, or a distilled .BTF.base); otherwise it
// is split BTF whose type IDs continue base's.
func Load(name string, blob []byte, base *Types) (*Types, error) {
	var spec *ebtf.Spec
	var err error
	first := ebtf.TypeID(1)
	if base == nil {
		spec, err = ebtf.LoadSplitSpecFromReader(bytes.NewReader(blob), nil)
	} else {
		spec, err = ebtf.LoadSplitSpecFromReader(bytes.NewReader(blob), base.spec)
		first = base.Last + 1
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not valid BTF%s: %w", name, onBase(base), err)
	}
	t := &Types{Name: name, Size: len(blob), First: first, Base: base, spec: spec}
	for id := first; ; id++ {
		_, err := spec.TypeByID(id)
		if errors.Is(err, ebtf.ErrNotFound) {
			t.Last = id - 1
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: bad BTF type %d%s: %w", name, id, onBase(base), err)
		}
	}
}

func onBase(base *Types) string {
	if base == nil {
		return ""
	}
	return " on base " + base.Name
}

// LoadBase reads base BTF from path: the .BTF section of an ELF file (a
// vmlinux, which may be the BTF-only vmlinux of a linux-headers package),
// or a raw BTF blob such as a distilled .BTF.base.
func LoadBase(path string) (*Types, error) {
	blob, _, err := ReadBTF(path)
	if err != nil {
		return nil, err
	}
	return Load(path, blob, nil)
}

// ReadBTF returns the BTF at path: the .BTF section of an ELF file, whose
// architecture it also returns, or the whole file as a raw BTF blob.
func ReadBTF(path string) ([]byte, elf.Arch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, 0, &elf.Error{Path: path, Problem: "cannot read BTF", Err: err}
	}
	if !bytes.HasPrefix(data, []byte(delf.ELFMAG)) {
		return data, 0, nil
	}
	f, err := elf.NewFile(path, bytes.NewReader(data), int64(len(data)), elf.Want{})
	if err != nil {
		return nil, 0, err
	}
	blob, err := sectionData(f, ".BTF")
	if err != nil {
		return nil, 0, err
	}
	if blob == nil {
		return nil, 0, &elf.Error{Path: path, Problem: "no .BTF section (a BTF base must be a vmlinux built with CONFIG_DEBUG_INFO_BTF)"}
	}
	return blob, f.Arch, nil
}

// sectionData returns the bytes of the named section, or nil if f has none.
func sectionData(f *elf.File, name string) ([]byte, error) {
	s := f.Section(name)
	if s == nil {
		return nil, nil
	}
	if s.Type == delf.SHT_NOBITS {
		return nil, &elf.Error{Path: f.Path, Problem: name + " section has no contents (SHT_NOBITS)"}
	}
	data, err := s.Data()
	if err != nil {
		return nil, &elf.Error{Path: f.Path, Problem: "cannot read section " + name, Err: err}
	}
	return data, nil
}

// TypeByName returns the type of the blob itself (not its base) that has
// the given name, or nil.
func (t *Types) TypeByName(name string) ebtf.Type {
	types, err := t.spec.AnyTypesByName(name)
	if err != nil {
		return nil
	}
	for _, typ := range types {
		if id, err := t.spec.TypeID(typ); err == nil && id >= t.First {
			return typ
		}
	}
	return nil
}

// Kind is the BTF kind of the type with the given ID, as the kernel names
// it (BTF_KIND_STRUCT is "struct"), or "" when the blob has no such type.
func (t *Types) Kind(id ebtf.TypeID) string {
	typ, err := t.spec.TypeByID(id)
	if err != nil {
		return ""
	}
	return kindOf(typ)
}

func kindOf(typ ebtf.Type) string {
	switch typ := typ.(type) {
	case *ebtf.Void:
		return "void"
	case *ebtf.Int:
		return "int"
	case *ebtf.Pointer:
		return "ptr"
	case *ebtf.Array:
		return "array"
	case *ebtf.Struct:
		return "struct"
	case *ebtf.Union:
		return "union"
	case *ebtf.Enum:
		if typ.Size == 8 {
			return "enum64"
		}
		return "enum"
	case *ebtf.Fwd:
		return "fwd"
	case *ebtf.Typedef:
		return "typedef"
	case *ebtf.Volatile:
		return "volatile"
	case *ebtf.Const:
		return "const"
	case *ebtf.Restrict:
		return "restrict"
	case *ebtf.Func:
		return "func"
	case *ebtf.FuncProto:
		return "func_proto"
	case *ebtf.Var:
		return "var"
	case *ebtf.Datasec:
		return "datasec"
	case *ebtf.Float:
		return "float"
	case *ebtf.TypeTag:
		return "type_tag"
	}
	// cilium/ebpf does not export decl tags; name it from its Go type.
	if strings.HasSuffix(fmt.Sprintf("%T", typ), ".declTag") {
		return "decl_tag"
	}
	return fmt.Sprintf("%T", typ)
}

// Describe is a one-line description of the type with the given ID: its
// kind, name and contents, naming the types it refers to by ID (#ID), so
// that two types with equal descriptions are encoded the same way.
func (t *Types) Describe(id ebtf.TypeID) string { return t.describe(id, false) }

// describe is Describe; with own, references to the blob's own types are
// written +N, relative to its first ID, so that blobs on bases of different
// sizes can be compared.
func (t *Types) describe(id ebtf.TypeID, own bool) string {
	typ, err := t.spec.TypeByID(id)
	if err != nil {
		return ""
	}
	var b strings.Builder
	kind := kindOf(typ)
	b.WriteString(kind)
	if name := typ.TypeName(); name != "" {
		fmt.Fprintf(&b, " %q", name)
	}
	ref := func(r ebtf.Type) string {
		if rid, err := t.spec.TypeID(r); err == nil {
			if own && rid >= t.First {
				return fmt.Sprintf("+%d", rid-t.First)
			}
			return fmt.Sprintf("#%d", rid)
		}
		return fmt.Sprintf("?%v", r)
	}
	tags := func(tags []string) {
		if len(tags) > 0 {
			fmt.Fprintf(&b, " tags=%q", tags)
		}
	}
	members := func(size uint32, ms []ebtf.Member, ts []string) {
		fmt.Fprintf(&b, " size=%d {", size)
		for i, m := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q:%s@%d", m.Name, ref(m.Type), m.Offset)
			if m.BitfieldSize != 0 {
				fmt.Fprintf(&b, ":%d", m.BitfieldSize)
			}
			if len(m.Tags) > 0 {
				fmt.Fprintf(&b, " tags=%q", m.Tags)
			}
		}
		b.WriteString("}")
		tags(ts)
	}
	switch typ := typ.(type) {
	case *ebtf.Int:
		fmt.Fprintf(&b, " size=%d encoding=%v", typ.Size, typ.Encoding)
	case *ebtf.Pointer:
		fmt.Fprintf(&b, " -> %s", ref(typ.Target))
	case *ebtf.Array:
		fmt.Fprintf(&b, " of %s index %s nelems=%d", ref(typ.Type), ref(typ.Index), typ.Nelems)
	case *ebtf.Struct:
		members(typ.Size, typ.Members, typ.Tags)
	case *ebtf.Union:
		members(typ.Size, typ.Members, typ.Tags)
	case *ebtf.Enum:
		fmt.Fprintf(&b, " size=%d signed=%v {", typ.Size, typ.Signed)
		for i, v := range typ.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q=%d", v.Name, v.Value)
		}
		b.WriteString("}")
	case *ebtf.Fwd:
		fmt.Fprintf(&b, " kind=%v", typ.Kind)
	case *ebtf.Typedef:
		fmt.Fprintf(&b, " -> %s", ref(typ.Type))
		tags(typ.Tags)
	case *ebtf.Volatile:
		fmt.Fprintf(&b, " -> %s", ref(typ.Type))
	case *ebtf.Const:
		fmt.Fprintf(&b, " -> %s", ref(typ.Type))
	case *ebtf.Restrict:
		fmt.Fprintf(&b, " -> %s", ref(typ.Type))
	case *ebtf.Func:
		fmt.Fprintf(&b, " linkage=%v -> %s", typ.Linkage, ref(typ.Type))
		tags(typ.Tags)
		for i, pt := range typ.ParamTags {
			if len(pt) > 0 {
				fmt.Fprintf(&b, " param%d.tags=%q", i, pt)
			}
		}
	case *ebtf.FuncProto:
		b.WriteString(" (")
		for i, p := range typ.Params {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q:%s", p.Name, ref(p.Type))
		}
		fmt.Fprintf(&b, ") -> %s", ref(typ.Return))
	case *ebtf.Var:
		fmt.Fprintf(&b, " linkage=%v -> %s", typ.Linkage, ref(typ.Type))
		tags(typ.Tags)
	case *ebtf.Datasec:
		fmt.Fprintf(&b, " size=%d {", typ.Size)
		for i, v := range typ.Vars {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s@%d+%d", ref(v.Type), v.Offset, v.Size)
		}
		b.WriteString("}")
	case *ebtf.Float:
		fmt.Fprintf(&b, " size=%d", typ.Size)
	case *ebtf.TypeTag:
		fmt.Fprintf(&b, " %q -> %s", typ.Value, ref(typ.Type))
	default:
		// A decl tag: cilium/ebpf's own formatting names its target
		// and holds its value and index.
		fmt.Fprintf(&b, " %v", typ)
	}
	return b.String()
}
