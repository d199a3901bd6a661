package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.ko")
	for _, tc := range []struct {
		name string
		args []string
		rc   int
		want string
	}{
		{"no args", nil, 2, "usage"},
		{"two args", []string{"a", "b"}, 2, "usage"},
		{"missing file", []string{missing}, 1, "missing.ko"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if rc := run(tc.args, &stderr); rc != tc.rc || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("run(%q) = %d, %q; want %d and %q", tc.args, rc, stderr.String(), tc.rc, tc.want)
			}
		})
	}
}
