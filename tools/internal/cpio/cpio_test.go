package cpio

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rules-fips140/rules_fips140/tools/internal/realtool"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

// sample writes a small archive with every kind of entry.
func sample(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	steps := []error{
		w.Dir("bin", 0o755),
		w.Dir("dev", 0o755),
		w.CharDev("dev/console", 0o600, 5, 1),
		w.File("bin/busybox", 0o755, []byte("#!/bin/sh\necho hi\n")),
		w.Symlink("bin/sh", "busybox"),
		w.File("init", 0o700, []byte("x")),
		w.File("empty", 0o644, nil),
		w.Close(),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLayout(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := errors.Join(w.File("ab", 0o644, []byte("hello")), w.Close()); err != nil {
		t.Fatal(err)
	}
	// newc: 110-byte header, then name and NUL padded to 4 (110+3 -> 116),
	// then data padded to 4.
	want := "070701" + "00000001" + "000081A4" + "00000000" + "00000000" + "00000001" + "00000000" +
		"00000005" + "00000000" + "00000000" + "00000000" + "00000000" + "00000003" + "00000000" +
		"ab\x00" + "\x00\x00\x00" + "hello\x00\x00\x00" +
		"070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" + "00000000" +
		"00000000" + "00000000" + "00000000" + "00000000" + "00000000" + "0000000B" + "00000000" +
		"TRAILER!!!\x00" + "\x00\x00\x00"
	if got := buf.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("length %d is not a multiple of 4", buf.Len())
	}
}

func TestDeterministic(t *testing.T) {
	if a, b := sample(t), sample(t); !bytes.Equal(a, b) {
		t.Error("two writes of the same entries differ")
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		add  func(w *Writer) error
		want string
	}{
		{"absolute", func(w *Writer) error { return w.Dir("/bin", 0o755) }, "must be relative"},
		{"unclean", func(w *Writer) error { return w.Dir("bin/", 0o755) }, "not clean"},
		{"dotdot", func(w *Writer) error { return w.Dir("../x", 0o755) }, "leaves the archive"},
		{"empty", func(w *Writer) error { return w.Dir("", 0o755) }, "empty name"},
		{"nul", func(w *Writer) error { return w.File("a\x00b", 0o644, nil) }, "NUL"},
		{"trailer", func(w *Writer) error { return w.File("TRAILER!!!", 0o644, nil) }, "reserved"},
		{"no parent", func(w *Writer) error { return w.File("bin/sh", 0o755, nil) }, "parent directory bin was not added first"},
		{"parent is a file", func(w *Writer) error {
			return errors.Join(w.File("bin", 0o644, nil), w.File("bin/sh", 0o755, nil))
		}, "parent directory bin"},
		{"twice", func(w *Writer) error { return errors.Join(w.Dir("a", 0o755), w.Dir("a", 0o755)) }, "added twice"},
		{"empty symlink", func(w *Writer) error { return w.Symlink("a", "") }, "bad target"},
		{"after close", func(w *Writer) error { return errors.Join(w.Close(), w.Dir("a", 0o755)) }, "closed"},
		{"close twice", func(w *Writer) error { return errors.Join(w.Close(), w.Close()) }, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.add(NewWriter(&bytes.Buffer{}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorSticks(t *testing.T) {
	w := NewWriter(failWriter{})
	if err := w.Dir("a", 0o755); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v", err)
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a failed write succeeded")
	}
}

// findCpio returns a real cpio reader's argv prefix: GNU cpio from
// FIPS140_TEST_CPIO or PATH, or a busybox for the host from
// FIPS140_TEST_BUSYBOX.
func findCpio(t *testing.T) map[string][]string {
	found := map[string][]string{}
	if p := os.Getenv("FIPS140_TEST_CPIO"); p != "" {
		found["cpio"] = []string{p}
	} else if p, err := exec.LookPath("cpio"); err == nil {
		found["cpio"] = []string{p}
	}
	if p := os.Getenv("FIPS140_TEST_BUSYBOX"); p != "" && runtime.GOARCH == "amd64" {
		found["busybox"] = []string{realtool.Runfile(p), "cpio"}
	}
	if len(found) == 0 {
		testskip.Skipf(t, "no cpio reader: set FIPS140_TEST_CPIO (GNU cpio) or FIPS140_TEST_BUSYBOX (a static busybox for this host)")
	}
	return found
}

// The real readers must list and extract what was written.
func TestRealCpioReads(t *testing.T) {
	archive := sample(t)
	for name, argv := range findCpio(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			list := exec.Command(argv[0], append(argv[1:], "-t")...)
			list.Stdin = bytes.NewReader(archive)
			out, err := list.CombinedOutput()
			if err != nil {
				t.Fatalf("%s -t: %v\n%s", name, err, out)
			}
			var names []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if !strings.Contains(l, "block") { // GNU cpio's "1 block" line
					names = append(names, l)
				}
			}
			if got, want := strings.Join(names, " "), "bin dev dev/console bin/busybox bin/sh init empty"; got != want {
				t.Errorf("%s -t lists %q, want %q", name, got, want)
			}
			// Extract everything but the device node (that needs privileges
			// the test may lack), then compare.
			extract := exec.Command(argv[0], append(argv[1:], "-i", "-d", "-m", "bin", "bin/*", "init", "empty")...)
			extract.Dir = dir
			extract.Stdin = bytes.NewReader(archive)
			if out, err := extract.CombinedOutput(); err != nil {
				t.Fatalf("%s -i: %v\n%s", name, err, out)
			}
			for file, want := range map[string]string{"bin/busybox": "#!/bin/sh\necho hi\n", "init": "x", "empty": ""} {
				got, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil || string(got) != want {
					t.Errorf("%s: %q, %v; want %q", file, got, err, want)
				}
			}
			if target, err := os.Readlink(filepath.Join(dir, "bin/sh")); err != nil || target != "busybox" {
				t.Errorf("bin/sh -> %q, %v; want busybox", target, err)
			}
			for file, want := range map[string]os.FileMode{"bin/busybox": 0o755, "init": 0o700, "empty": 0o644} {
				if st, err := os.Stat(filepath.Join(dir, file)); err != nil || st.Mode().Perm() != want {
					t.Errorf("%s: mode %v, %v; want %v", file, st.Mode().Perm(), err, want)
				}
			}
		})
	}
}

// GNU cpio's verbose listing shows each entry's type, mode, owner and device.
func TestRealCpioListsMetadata(t *testing.T) {
	argv, ok := findCpio(t)["cpio"]
	if !ok {
		testskip.Skipf(t, "no GNU cpio: set FIPS140_TEST_CPIO")
	}
	cmd := exec.Command(argv[0], "-t", "-v", "--numeric-uid-gid")
	cmd.Stdin = bytes.NewReader(sample(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.Bytes())
	}
	want := []string{
		"drwxr-xr-x   2 0        0               0 Jan  1  1970 bin",
		"drwxr-xr-x   2 0        0               0 Jan  1  1970 dev",
		"crw-------   1 0        0          5,   1 Jan  1  1970 dev/console",
		"-rwxr-xr-x   1 0        0              18 Jan  1  1970 bin/busybox",
		"lrwxrwxrwx   1 0        0               7 Jan  1  1970 bin/sh -> busybox",
		"-rwx------   1 0        0               1 Jan  1  1970 init",
		"-rw-r--r--   1 0        0               0 Jan  1  1970 empty",
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) < len(want) {
		t.Fatalf("listing:\n%s", out)
	}
	for i, w := range want {
		if strings.Join(strings.Fields(got[i]), " ") != strings.Join(strings.Fields(w), " ") {
			t.Errorf("entry %d: got %q, want %q", i, got[i], w)
		}
	}
}
