package ar

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// step makes one archive. flags are the GNU ar flags that make the same
// archive; our own writer is chosen from them: T thin, otherwise normal, P
// full paths, otherwise base names.
type step struct {
	out    string
	flags  string
	inputs []string
}

type archiveCase struct {
	name string
	// steps run in order in a copy of testdata/tree; the last one makes the
	// case's archive.
	steps []step
	// want is what `ar t` must print for the case's archive as we write it.
	want []string
	// gnuDiffers says why GNU ar's bytes legitimately differ from ours; the
	// differential test then compares what the real tools read instead.
	gnuDiffers string
	// llvmSkip says why llvm-ar cannot take part in this case.
	llvmSkip string
	// llvmOwnDiffers says why llvm-ar's own archive lists differently from
	// ours (and GNU ar's); llvm-ar must still list ours as want.
	llvmOwnDiffers string
	// readOnly cases use flags our writer does not implement (a symbol
	// index, s); only reading them is tested.
	readOnly bool
}

var archiveCases = []archiveCase{
	{
		name:  "thin_flat",
		steps: []step{{"built-in.a", "cDPrST", []string{"a.o", "sub/b.o", "sub/deep/a_very_long_object_name_here.o"}}},
		want:  []string{"a.o", "sub/b.o", "sub/deep/a_very_long_object_name_here.o"},
	},
	{
		name: "thin_nested",
		steps: []step{
			{"sub/deep/built-in.a", "cDPrST", []string{"sub/deep/a_very_long_object_name_here.o", "sub/deep/d.o"}},
			{"sub/built-in.a", "cDPrST", []string{"sub/b.o", "sub/deep/built-in.a"}},
			{"built-in.a", "cDPrST", []string{"a.o", "sub/built-in.a", "x.o"}},
		},
		want: []string{"a.o", "sub/b.o", "sub/deep/a_very_long_object_name_here.o", "sub/deep/d.o", "x.o"},
	},
	{
		name:  "thin_empty",
		steps: []step{{"built-in.a", "cDPrST", nil}},
		want:  nil,
		// llvm-ar writes "!<thin>\n" for an empty thin archive, GNU ar (and
		// we) "!<arch>\n"; both list nothing.
	},
	{
		name:  "thin_in_subdir",
		steps: []step{{"sub/deep/built-in.a", "cDPrST", []string{"a.o", "sub/b.o", "./sub/deep/d.o", "sub/../x.o"}}},
		want:  []string{"sub/deep/../../a.o", "sub/deep/../b.o", "sub/deep/d.o", "sub/deep/../../x.o"},
	},
	{
		name:  "thin_duplicates",
		steps: []step{{"built-in.a", "cDPrST", []string{"a.o", "a.o", "x.o", "a.o"}}},
		want:  []string{"a.o", "a.o", "x.o", "a.o"},
	},
	{
		name: "thin_with_normal",
		steps: []step{
			{"lib.a", "cDPrS", []string{"x.o", "abcdefghijklm.o", "abcdefghijklmn.o"}},
			{"built-in.a", "cDPrST", []string{"a.o", "lib.a", "sub/b.o"}},
		},
		want:     []string{"a.o", "x.o", "abcdefghijklm.o", "abcdefghijklmn.o", "sub/b.o"},
		llvmSkip: `GNU ar's "/N:M" reference into a normal archive is GNU-only; llvm-ar rejects it`,
	},
	{
		name:  "thin_objects",
		steps: []step{{"built-in.a", "cDPrST", []string{"objs/first_object.o", "objs/second_object.o"}}},
		want:  []string{"objs/first_object.o", "objs/second_object.o"},
	},
	{
		name:           "normal_full",
		steps:          []step{{"lib.a", "cDPrS", []string{"x.o", "abcdefghijklm.o", "abcdefghijklmn.o", "sub/deep/a_very_long_object_name_here.o", "objs/first_object.o", "objs/second_object.o"}}},
		want:           []string{"x.o", "abcdefghijklm.o", "abcdefghijklmn.o", "sub/deep/a_very_long_object_name_here.o", "objs/first_object.o", "objs/second_object.o"},
		llvmOwnDiffers: "llvm-ar's P only changes how names are matched; its normal archives store base names",
	},
	{
		name:  "normal_base",
		steps: []step{{"lib.a", "cDrS", []string{"sub/b.o", "dir1/foo.o", "dir2/foo.o", "sub/deep/a_very_long_object_name_here.o", "abcdefghijklm.o"}}},
		want:  []string{"b.o", "foo.o", "foo.o", "a_very_long_object_name_here.o", "abcdefghijklm.o"},
	},
	{
		name:  "normal_empty",
		steps: []step{{"lib.a", "cDPrS", nil}},
		want:  nil,
	},
	{
		name:           "normal_short_path",
		steps:          []step{{"lib.a", "cDPrS", []string{"sub/b.o", "dir1/foo.o", "x.o"}}},
		want:           []string{"sub/b.o", "dir1/foo.o", "x.o"},
		gnuDiffers:     `GNU ar puts a short name with a slash in the header ("sub/b.o/"), where readers stop at the first slash and see "sub"; we use the long-name table`,
		llvmOwnDiffers: "llvm-ar's P only changes how names are matched; its normal archives store base names",
	},
	{
		name: "normal_from_thin",
		steps: []step{
			{"sub/built-in.a", "cDPrST", []string{"sub/b.o", "sub/deep/d.o"}},
			{"lib.a", "cDPrS", []string{"a.o", "sub/built-in.a"}},
		},
		want:           []string{"a.o", "sub/b.o", "sub/deep/d.o"},
		gnuDiffers:     "GNU ar stores a thin archive input of a normal archive as one member (the thin archive's own bytes); we flatten it into its members",
		llvmOwnDiffers: "llvm-ar, like GNU ar, stores the thin archive as one member",
	},
	{
		name:     "read_thin_index",
		steps:    []step{{"lib.a", "cDPrsT", []string{"objs/first_object.o", "objs/second_object.o"}}},
		want:     []string{"objs/first_object.o", "objs/second_object.o"},
		readOnly: true,
	},
	{
		name:     "read_normal_index",
		steps:    []step{{"lib.a", "cDPr", []string{"objs/first_object.o", "objs/second_object.o", "x.o"}}},
		want:     []string{"objs/first_object.o", "objs/second_object.o", "x.o"},
		readOnly: true,
	},
}

// copyTree copies testdata/tree into a new temporary directory and returns
// its path.
func copyTree(tb testing.TB) string {
	tb.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", "tree"))
	if err != nil {
		tb.Fatal(err)
	}
	dst := tb.TempDir()
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// writeOurs makes s's archive with our writer, relative to the working
// directory.
func writeOurs(s step) error {
	leaves, err := Collect(s.inputs)
	if err != nil {
		return err
	}
	f, err := os.Create(s.out)
	if err != nil {
		return err
	}
	if strings.Contains(s.flags, "T") {
		err = WriteThin(f, s.out, leaves)
	} else {
		style := BaseName
		if strings.Contains(s.flags, "P") {
			style = FullPath
		}
		err = WriteNormal(f, leaves, style)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func leafNames(leaves []Leaf) []string {
	var names []string
	for _, l := range leaves {
		names = append(names, l.Name())
	}
	return names
}
