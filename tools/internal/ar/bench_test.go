package ar

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// syntheticObjects writes n small object files under the working directory
// and returns their paths.
func syntheticObjects(b *testing.B, n int) []string {
	b.Helper()
	var paths []string
	for i := range n {
		name := fmt.Sprintf("drivers/subsys%02d/part%d/object_number_%04d.o", i%40, i%3, i)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(name, bytes.Repeat([]byte{byte(i)}, 64+i%512), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, name)
	}
	return paths
}

// BenchmarkWriteThin2000 collects 2,000 synthetic objects and writes a thin
// archive of them, in process.
func BenchmarkWriteThin2000(b *testing.B) {
	b.Chdir(b.TempDir())
	paths := syntheticObjects(b, 2000)
	for b.Loop() {
		leaves, err := Collect(paths)
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteThin(io.Discard, "built-in.a", leaves); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLeavesThin2000 lists a thin archive of 2,000 objects, nested
// two levels deep in 40 subdirectory archives.
func BenchmarkLeavesThin2000(b *testing.B) {
	b.Chdir(b.TempDir())
	paths := syntheticObjects(b, 2000)
	var subs []string
	for d := range 40 {
		var members []string
		for i := d; i < len(paths); i += 40 {
			members = append(members, paths[i])
		}
		sub := fmt.Sprintf("drivers/subsys%02d/built-in.a", d)
		writeThinFile(b, sub, members)
		subs = append(subs, sub)
	}
	writeThinFile(b, "built-in.a", subs)
	for b.Loop() {
		leaves, err := Leaves("built-in.a")
		if err != nil {
			b.Fatal(err)
		}
		if len(leaves) != 2000 {
			b.Fatalf("%d leaves, want 2000", len(leaves))
		}
	}
}

func writeThinFile(b *testing.B, out string, inputs []string) {
	b.Helper()
	leaves, err := Collect(inputs)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteThin(&buf, out, leaves); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}
