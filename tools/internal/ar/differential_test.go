package ar

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// findTool locates a real tool: the environment variable first, then PATH.
// It skips the test, naming the variable, when the tool is absent.
func findTool(t *testing.T, envVar, name string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		testskip.Skipf(t, "%s not found: set %s to its path", name, envVar)
	}
	return p
}

// runTool runs tool in dir and returns its standard output.
func runTool(t *testing.T, dir, tool string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", tool, strings.Join(args, " "), dir, err, stderr.String())
	}
	return out
}

func lines(out []byte) []string {
	text := strings.TrimSuffix(string(out), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// buildWith makes tc's archives with a real ar (GNU ar or llvm-ar, which
// take the same flags) in a fresh copy of the tree and returns the copy.
func buildWith(t *testing.T, tool string, tc archiveCase) string {
	t.Helper()
	dir := copyTree(t)
	for _, s := range tc.steps {
		runTool(t, dir, tool, append([]string{s.flags, s.out}, s.inputs...)...)
	}
	return dir
}

// buildOurs makes tc's archives with our writer in a fresh copy of the tree
// and returns the copy.
func buildOurs(t *testing.T, tc archiveCase) string {
	t.Helper()
	dir := copyTree(t)
	t.Chdir(dir)
	for _, s := range tc.steps {
		if err := writeOurs(s); err != nil {
			t.Fatalf("writing %s: %v", s.out, err)
		}
	}
	return dir
}

// readsLikeTool checks that our reader lists the archive at out (relative
// to dir) exactly as tool's `t` does.
func readsLikeTool(t *testing.T, dir, tool, out string) {
	t.Helper()
	want := lines(runTool(t, dir, tool, "t", out))
	t.Chdir(dir)
	leaves, err := Leaves(out)
	if err != nil {
		t.Fatalf("Leaves(%s): %v", out, err)
	}
	if diff := cmp.Diff(want, leafNames(leaves)); diff != "" {
		t.Errorf("Leaves(%s) differs from `%s t` (-tool +ours):\n%s", out, tool, diff)
	}
}

// concat returns the contents of files (relative to dir), one after another:
// what `ar p` prints for an archive of them.
func concat(t *testing.T, dir string, files []string) []byte {
	t.Helper()
	var all []byte
	for _, f := range files {
		data, err := os.ReadFile(dir + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, data...)
	}
	return all
}

// firstDifference describes where two byte strings first differ.
func firstDifference(ours, theirs []byte) string {
	i := 0
	for i < len(ours) && i < len(theirs) && ours[i] == theirs[i] {
		i++
	}
	window := func(b []byte) []byte { return b[max(0, i-20):min(len(b), i+40)] }
	return fmt.Sprintf("sizes %d and %d, first difference at offset %d:\nours: %q\n  ar: %q", len(ours), len(theirs), i, window(ours), window(theirs))
}

func TestAgainstGNUAr(t *testing.T) {
	gnu := findTool(t, "FIPS140_TEST_AR", "ar")
	for _, tc := range archiveCases {
		t.Run(tc.name, func(t *testing.T) {
			gnuDir := buildWith(t, gnu, tc)
			out := tc.steps[len(tc.steps)-1].out

			// (3) We read GNU ar's archive as GNU ar does.
			t.Run("read_gnu", func(t *testing.T) { readsLikeTool(t, gnuDir, gnu, out) })
			if tc.readOnly {
				return
			}
			oursDir := buildOurs(t, tc)
			ours, err := os.ReadFile(oursDir + "/" + out)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := os.ReadFile(gnuDir + "/" + out)
			if err != nil {
				t.Fatal(err)
			}

			// (1) Byte-identical to GNU ar's, unless documented.
			if tc.gnuDiffers == "" {
				if !bytes.Equal(ours, theirs) {
					t.Errorf("%s differs from `ar %s`: %s", out, tc.steps[len(tc.steps)-1].flags, firstDifference(ours, theirs))
				}
			} else {
				t.Logf("bytes not compared: %s", tc.gnuDiffers)
			}

			// (2) GNU ar lists ours as intended, and as its own.
			got := lines(runTool(t, oursDir, gnu, "t", out))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("`ar t` of our %s (-want +got):\n%s", out, diff)
			}
			if tc.gnuDiffers == "" {
				if diff := cmp.Diff(lines(runTool(t, gnuDir, gnu, "t", out)), got); diff != "" {
					t.Errorf("`ar t` lists our %s differently from its own (-gnu +ours):\n%s", out, diff)
				}
				gotData := runTool(t, oursDir, gnu, "p", out)
				if wantData := runTool(t, gnuDir, gnu, "p", out); !bytes.Equal(gotData, wantData) {
					t.Errorf("`ar p` of our %s differs from its own", out)
				}
			} else {
				gotData := runTool(t, oursDir, gnu, "p", out)
				if wantData := concat(t, oursDir, tc.want); !bytes.Equal(gotData, wantData) {
					t.Errorf("`ar p` of our %s = %q, want the inputs' bytes %q", out, gotData, wantData)
				}
			}
		})
	}
}

func TestAgainstLLVMAr(t *testing.T) {
	gnu := findTool(t, "FIPS140_TEST_AR", "ar")
	llvm := findTool(t, "FIPS140_TEST_LLVM_AR", "llvm-ar")
	for _, tc := range archiveCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.llvmSkip != "" {
				testskip.Allowed(t, testskip.ReferenceDiffers, tc.llvmSkip)
			}
			llvmDir := buildWith(t, llvm, tc)
			out := tc.steps[len(tc.steps)-1].out

			// (3) We read llvm-ar's archive as both ars do.
			t.Run("read_llvm_as_llvm", func(t *testing.T) { readsLikeTool(t, llvmDir, llvm, out) })
			t.Run("read_llvm_as_gnu", func(t *testing.T) { readsLikeTool(t, llvmDir, gnu, out) })
			if tc.readOnly {
				return
			}

			// (2) llvm-ar lists ours as intended, and as its own.
			oursDir := buildOurs(t, tc)
			got := lines(runTool(t, oursDir, llvm, "t", out))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("`llvm-ar t` of our %s (-want +got):\n%s", out, diff)
			}
			if tc.llvmOwnDiffers == "" {
				if diff := cmp.Diff(lines(runTool(t, llvmDir, llvm, "t", out)), got); diff != "" {
					t.Errorf("`llvm-ar t` lists our %s differently from its own (-llvm +ours):\n%s", out, diff)
				}
			}
			gotData := runTool(t, oursDir, llvm, "p", out)
			if wantData := runTool(t, oursDir, gnu, "p", out); !bytes.Equal(gotData, wantData) {
				t.Errorf("`llvm-ar p` and `ar p` of our %s differ", out)
			}
		})
	}
}
