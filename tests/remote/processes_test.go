package remote

import (
	"strings"
	"testing"
)

func TestParseProcesses(t *testing.T) {
	for _, tc := range []struct {
		stderr, want, err string
	}{
		{"INFO: 62 processes: 16 internal, 46 linux-sandbox.\n", "62 processes: 16 internal, 46 linux-sandbox", ""},
		{"x\nINFO: 12 processes: 5 remote cache hit, 7 internal.\nINFO: Build completed\n", "12 processes: 7 internal, 5 remote cache hit", ""},
		{"INFO: 1 process: 1 internal.\n", "1 processes: 1 internal", ""},
		{"INFO: 0 processes.\n", "0 processes:", ""},
		// The last line counts (a build after a query).
		{"INFO: 3 processes: 3 internal.\nINFO: 9 processes: 2 internal, 7 remote.\n", "9 processes: 2 internal, 7 remote", ""},
		{"INFO: Build completed\n", "", "no \"INFO: N processes"},
		{"INFO: 5 processes: 2 internal, 2 remote.\n", "", "add up to 4, not 5"},
		{"INFO: 5 processes: lots internal.\n", "", "cannot read"},
	} {
		p, err := parseProcesses(tc.stderr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseProcesses(%q) = %v, want an error with %q", tc.stderr, err, tc.err)
			}
			continue
		}
		if err != nil || p.String() != tc.want {
			t.Errorf("parseProcesses(%q) = %q, %v; want %q", tc.stderr, p, err, tc.want)
		}
	}
}
