package modpost

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
)

// RFC 1320's test suite.
func TestMD4(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
		{"a", "bde52cb31de33e46245e05fbdbd6fb24"},
		{"abc", "a448017aaf21d8525fc10ae87aa6729d"},
		{"message digest", "d9130a8164549fe818874806e1c7014b"},
		{"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"},
		{strings.Repeat("1234567890", 8), "e33b4ddc9c38f2199c3e7b164fcc0536"},
	}
	for _, tt := range tests {
		for _, step := range []int{1, 7, 64, 1000} {
			d := newMD4(false)
			for in := []byte(tt.in); len(in) > 0; {
				n := min(step, len(in))
				d.write(in[:n])
				in = in[n:]
			}
			var out []byte
			for _, w := range d.sum() {
				out = binary.LittleEndian.AppendUint32(out, w)
			}
			if got := hex.EncodeToString(out); got != tt.want {
				t.Errorf("MD4(%q) in steps of %d = %s, want %s", tt.in, step, got, tt.want)
			}
		}
	}
}
