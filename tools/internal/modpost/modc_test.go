package modpost

import (
	"bytes"
	"fmt"
	"testing"
)

func TestWriteHex(t *testing.T) {
	for _, v := range []uint32{0, 1, 0xf, 0x10, 0xabc, 0x0badf00d, 0xdeadbeef, 0xffffffff} {
		for _, width := range []int{2, 8} {
			var b bytes.Buffer
			writeHex(&b, v, width)
			if want := fmt.Sprintf("0x%0*x", width, v); b.String() != want {
				t.Errorf("writeHex(%#x, %d) = %q, want %q", v, width, b.String(), want)
			}
		}
	}
}
