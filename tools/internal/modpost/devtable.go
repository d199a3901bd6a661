package modpost

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// DeviceTable is a MODULE_DEVICE_TABLE(type, name) symbol of an object:
// __mod_device_table__kmod_<modname>__<type>__<name>, a defined
// STT_OBJECT, with the bytes it covers.
type DeviceTable struct {
	Symbol   string // the symbol's name
	SymIndex int    // its index in the symbol table
	Data     []byte // st_size bytes at st_value (zeros in a NOBITS section)
}

const deviceTablePrefix = "__mod_device_table__"

// splitDeviceTable splits a device table symbol name into its type and
// table name as modpost does: after the first "__kmod_", the type runs
// to the next "__" and the name to the one after that. ok is false for
// names modpost skips.
func splitDeviceTable(symbol string) (typ, name string, ok bool) {
	_, rest, ok := strings.Cut(symbol, "__kmod_")
	if !ok {
		return "", "", false
	}
	_, rest, ok = strings.Cut(rest, "__")
	if !ok {
		return "", "", false
	}
	typ, name, ok = strings.Cut(rest, "__")
	if !ok {
		return "", "", false
	}
	return typ, name, true
}

// deviceType is one MODULE_DEVICE_TABLE type this modpost turns into
// aliases: the size of one entry and the alias of an entry.
type deviceType struct {
	size  int
	alias func(entry []byte) string
}

// deviceTypes are the types we support. struct x86_cpu_id and struct
// cpu_feature have the same layout on x86_64 and arm64.
var deviceTypes = map[string]deviceType{
	"x86cpu": {24, x86cpuAlias},
	"cpu":    {2, cpuAlias},
}

// otherDeviceTypes are the types Linux 7.2's modpost knows but we do not:
// modules with such tables are refused. Types modpost does not know at all
// it ignores, and so do we.
var otherDeviceTypes = map[string]bool{
	"hid": true, "ieee1394": true, "pci": true, "ccw": true, "ap": true,
	"css": true, "serio": true, "acpi": true, "pcmcia": true, "vio": true,
	"input": true, "eisa": true, "parisc": true, "sdio": true, "ssb": true,
	"bcma": true, "virtio": true, "vmbus": true, "rpmsg": true, "i2c": true,
	"i3c": true, "slim": true, "spi": true, "dmi": true, "platform": true,
	"mdio": true, "zorro": true, "isapnp": true, "ipack": true, "amba": true,
	"mipscdmm": true, "mcb": true, "mei": true, "rapidio": true, "ulpi": true,
	"hdaudio": true, "sdw": true, "fslmc": true, "tbsvc": true, "typec": true,
	"tee": true, "wmi": true, "mhi": true, "mhi_ep": true, "auxiliary": true,
	"ssam": true, "dfl": true, "ishtp": true, "cdx": true, "vchiq": true,
	"coreboot": true, "of": true, "usb": true, "pnp": true, "pnp_card": true,
}

// x86cpuAlias formats a struct x86_cpu_id (vendor, family, model,
// steppings, feature: u16 at 0, 2, 4, 6, 8) as
// "cpu:type:x86,venVVVVfamFFFFmodMMMM:feature:*FFFF*", with "*" for a
// field that matches any value (vendor 0xffff, the others 0).
func x86cpuAlias(e []byte) string {
	le := binary.LittleEndian
	vendor, family, model, feature := le.Uint16(e[0:]), le.Uint16(e[2:]), le.Uint16(e[4:]), le.Uint16(e[8:])
	field := func(v, wildcard uint16) string {
		if v == wildcard {
			return "*"
		}
		return fmt.Sprintf("%04X", v)
	}
	s := "cpu:type:x86,ven" + field(vendor, 0xffff) + "fam" + field(family, 0) + "mod" + field(model, 0) + ":feature:*"
	if feature != 0 {
		s += fmt.Sprintf("%04X*", feature)
	}
	return s
}

// cpuAlias formats a struct cpu_feature (u16 feature) as
// "cpu:type:*:feature:*FFFF*".
func cpuAlias(e []byte) string {
	return fmt.Sprintf("cpu:type:*:feature:*%04X*", binary.LittleEndian.Uint16(e))
}

// addDeviceTable adds the aliases of one device table to m, or reports
// why it cannot.
func (r *run) addDeviceTable(m *module, t DeviceTable) {
	typ, name, ok := splitDeviceTable(t.Symbol)
	if !ok {
		return
	}
	dt, known := deviceTypes[typ]
	if !known {
		if otherDeviceTypes[typ] {
			r.errorf("%s: MODULE_DEVICE_TABLE(%s, %s) is not supported (only x86cpu and cpu): its aliases would be missing from the .mod.c\n",
				m.obj.Path, typ, name)
		}
		return
	}
	size := len(t.Data)
	if size%dt.size != 0 || size < dt.size {
		r.errorf("%s: type mismatch between %s[] and MODULE_DEVICE_TABLE(%s, ...)\n", m.name, name, typ)
		return
	}
	for _, b := range t.Data[size-dt.size:] {
		if b != 0 {
			r.errorf("%s: %s[] is not terminated with a NULL entry\n", m.name, name)
			return
		}
	}
	for off := 0; off < size-dt.size; off += dt.size {
		m.addAlias(dt.alias(t.Data[off : off+dt.size]))
	}
}

// addAlias appends a MODULE_ALIAS string unless the module has it already.
func (m *module) addAlias(a string) {
	for _, have := range m.aliases {
		if have == a {
			return
		}
	}
	m.aliases = append(m.aliases, a)
}
