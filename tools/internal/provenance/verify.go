package provenance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-fips140/rules_fips140/tools/internal/fipsimage"
	"github.com/rules-fips140/rules_fips140/tools/internal/integrity"
)

// ReadFile reads and checks a provenance statement.
func ReadFile(path string) (*Statement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes a statement and checks what verification relies on: the
// statement and predicate types, and subjects that each carry a name, a
// sha256 and a role. file names the input in errors.
func Parse(file string, data []byte) (*Statement, error) {
	var st Statement
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: not a provenance statement: %w", file, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: trailing data after the statement", file)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("%s: _type is %q, want %q", file, st.Type, StatementType)
	}
	if st.PredicateType != PredicateType {
		return nil, fmt.Errorf("%s: predicateType is %q, want %q", file, st.PredicateType, PredicateType)
	}
	if len(st.Subject) == 0 {
		return nil, fmt.Errorf("%s: the statement has no subject", file)
	}
	for i, s := range st.Subject {
		if s.Name == "" {
			return nil, fmt.Errorf("%s: subject %d has no name", file, i)
		}
		if !isSHA256(s.Digest["sha256"]) {
			return nil, fmt.Errorf("%s: subject %q has no sha256 digest of 64 lowercase hex digits", file, s.Name)
		}
		if _, ok := s.Annotations["role"].(string); !ok {
			return nil, fmt.Errorf("%s: subject %q has no role annotation", file, s.Name)
		}
	}
	return &st, nil
}

func isSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Subjects returns the subjects with the given role.
func (st *Statement) Subjects(role string) []ResourceDescriptor {
	var out []ResourceDescriptor
	for _, s := range st.Subject {
		if s.Annotations["role"] == role {
			out = append(out, s)
		}
	}
	return out
}

// HMACKey returns the recorded key length and sha256, if any.
func (st *Statement) HMACKey() (length int, sum string, ok bool) {
	m, _ := st.Predicate.BuildDefinition.InternalParameters["hmacKey"].(map[string]any)
	sum, _ = m["sha256"].(string)
	switch n := m["length"].(type) {
	case int: // as Build made it
		length = n
	case json.Number: // as Parse read it
		l, err := n.Int64()
		if err != nil {
			return 0, "", false
		}
		length = int(l)
	default:
		return 0, "", false
	}
	return length, sum, isSHA256(sum)
}

// Verify checks img against the statement: vmlinux's sha256 is a vmlinux
// subject, and each embedded blob (fips140.ko, its digest, nonfips140.ko)
// is the subject of its role. With a key, its length and sha256 must be the
// recorded ones.
func Verify(st *Statement, file string, img *fipsimage.Image, key *integrity.Key) []fipsimage.Check {
	var checks []fipsimage.Check
	match := func(name, role, what, sum string) {
		subjects := st.Subjects(role)
		var names []string
		for _, s := range subjects {
			if s.Digest["sha256"] == sum {
				checks = append(checks, fipsimage.Check{Name: name, OK: true,
					Detail: fmt.Sprintf("%s has sha256 %s, recorded as %s in %s", what, sum, s.Name, file)})
				return
			}
			names = append(names, s.Name+" "+s.Digest["sha256"])
		}
		detail := fmt.Sprintf("%s has sha256 %s; %s records no %s subject with it", what, sum, file, role)
		if len(names) > 0 {
			detail += " (it records " + strings.Join(names, ", ") + ")"
		}
		checks = append(checks, fipsimage.Check{Name: name, Detail: detail})
	}
	if sum, err := integrity.FileSHA256(img.Path); err != nil {
		checks = append(checks, fipsimage.Check{Name: "provenance: vmlinux is a subject", Detail: err.Error()})
	} else {
		match("provenance: vmlinux is a subject", RoleVmlinux, img.Path, sum)
	}
	regions := []struct{ region, role string }{
		{"fips140.ko", RoleModule},
		{"fips140.hmac", RoleDigest},
		{"nonfips140.ko", RoleNonfips140},
	}
	for _, r := range regions {
		reg, ok := img.Region(r.region)
		name := "provenance: embedded " + r.region + " is the recorded " + r.role
		switch {
		case ok:
			sum := sha256.Sum256(reg.Data)
			match(name, r.role, img.Path+":"+r.region, hex.EncodeToString(sum[:]))
		case len(st.Subjects(r.role)) > 0:
			checks = append(checks, fipsimage.Check{Name: name,
				Detail: fmt.Sprintf("%s records a %s subject, but %s embeds no %s", file, r.role, img.Path, r.region)})
		}
	}
	if key != nil {
		name := "provenance: HMAC key is the recorded one"
		length, sum, ok := st.HMACKey()
		got := sha256.Sum256(key.Bytes)
		switch {
		case !ok:
			checks = append(checks, fipsimage.Check{Name: name, Detail: file + " records no hmacKey length and sha256"})
		default:
			checks = append(checks, fipsimage.Check{Name: name, OK: length == len(key.Bytes) && sum == hex.EncodeToString(got[:]),
				Detail: fmt.Sprintf("the key from %s: %d bytes, sha256 %x; recorded: %d bytes, sha256 %s", key.Source, len(key.Bytes), got, length, sum)})
		}
	}
	return checks
}
