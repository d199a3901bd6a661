package ar

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the writer's output")

// TestGolden checks the writer's bytes against testdata/golden. The golden
// files are our own output, but the differential test checks the same cases
// byte for byte against GNU ar, so they cannot drift from it unnoticed.
func TestGolden(t *testing.T) {
	goldenDir, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range archiveCases {
		if tc.readOnly {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(copyTree(t))
			for _, s := range tc.steps {
				if err := writeOurs(s); err != nil {
					t.Fatalf("writing %s: %v", s.out, err)
				}
			}
			out := tc.steps[len(tc.steps)-1].out
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(goldenDir, tc.name+".a")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -run TestGolden -update if intended)\n got: %q\nwant: %q", out, golden, got, want)
			}
			// Reading back gives the intended members, in order.
			leaves, err := Leaves(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, leafNames(leaves)); diff != "" {
				t.Errorf("Leaves(%s) mismatch (-want +got):\n%s", out, diff)
			}
			// Writing is deterministic: a second run gives the same bytes.
			if err := writeOurs(tc.steps[len(tc.steps)-1]); err != nil {
				t.Fatal(err)
			}
			again, _ := os.ReadFile(out)
			if !bytes.Equal(got, again) {
				t.Errorf("second write of %s differs", out)
			}
		})
	}
}
