// Package modinfo parses a kernel module's .modinfo section: NUL-terminated
// "key=value" strings, possibly separated by NUL padding.
package modinfo

import (
	"bytes"
	"fmt"
)

// Entry is one key=value string.
type Entry struct {
	Key, Value string
}

// Info is a module's .modinfo entries in section order.
type Info []Entry

// Parse reads the contents of a .modinfo section. name labels errors (the
// module's file name). Runs of NUL bytes between entries are padding.
func Parse(name string, data []byte) (Info, error) {
	var info Info
	offset := 0
	for offset < len(data) {
		if data[offset] == 0 {
			offset++
			continue
		}
		end := bytes.IndexByte(data[offset:], 0)
		if end < 0 {
			return nil, fmt.Errorf("%s: .modinfo: entry at offset %d is not NUL-terminated", name, offset)
		}
		s := data[offset : offset+end]
		key, value, ok := bytes.Cut(s, []byte("="))
		if !ok {
			return nil, fmt.Errorf("%s: .modinfo: entry %q at offset %d has no '='", name, s, offset)
		}
		if len(key) == 0 {
			return nil, fmt.Errorf("%s: .modinfo: entry %q at offset %d has an empty key", name, s, offset)
		}
		info = append(info, Entry{Key: string(key), Value: string(value)})
		offset += end + 1
	}
	return info, nil
}

// All returns every value of key, in order (keys such as alias repeat).
func (info Info) All(key string) []string {
	var values []string
	for _, e := range info {
		if e.Key == key {
			values = append(values, e.Value)
		}
	}
	return values
}

// Get returns the first value of key.
func (info Info) Get(key string) (string, bool) {
	for _, e := range info {
		if e.Key == key {
			return e.Value, true
		}
	}
	return "", false
}
