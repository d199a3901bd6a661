package boot

import (
	"fmt"
	"strings"
)

// Alg is one record of /proc/crypto.
type Alg struct {
	Name, Driver, Module, Selftest string
	Fields                         map[string]string // every "key : value" line
}

// ParseProcCrypto parses the text of /proc/crypto: records of "key : value"
// lines separated by blank lines. Every record must name its name, driver
// and module.
func ParseProcCrypto(text string) ([]Alg, error) {
	var algs []Alg
	var cur *Alg
	start := 0
	finish := func() error {
		if cur == nil {
			return nil
		}
		for _, k := range []string{"name", "driver", "module"} {
			if _, ok := cur.Fields[k]; !ok {
				return fmt.Errorf("/proc/crypto: record at line %d has no %q", start, k)
			}
		}
		cur.Name, cur.Driver, cur.Module = cur.Fields["name"], cur.Fields["driver"], cur.Fields["module"]
		cur.Selftest = cur.Fields["selftest"]
		algs = append(algs, *cur)
		cur = nil
		return nil
	}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		if strings.TrimSpace(line) == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, fmt.Errorf("/proc/crypto: line %d: want \"key : value\", got %q", i+1, line)
		}
		if cur == nil {
			cur = &Alg{Fields: map[string]string{}}
			start = i + 1
		}
		if _, dup := cur.Fields[key]; dup {
			return nil, fmt.Errorf("/proc/crypto: line %d: %q repeated in one record", i+1, key)
		}
		cur.Fields[key] = value
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return algs, nil
}
