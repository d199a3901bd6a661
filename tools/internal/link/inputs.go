package link

import (
	delf "debug/elf"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rules-fips140/rules_fips140/tools/internal/ar"
	"github.com/rules-fips140/rules_fips140/tools/internal/elf"
)

// objects opens every input, an ET_REL object or an archive of them, and
// checks that all are for one architecture, which it returns. A thin
// archive's members are opened where they live. Errors name the file (for
// an archive member, "archive(member)").
func objects(inputs []string) (elf.Arch, error) {
	arch, _, err := scan(inputs)
	return arch, err
}

// scan is objects, and also reports whether any object has one of the
// seed's .fips_initcallN sections.
func scan(inputs []string) (arch elf.Arch, initcalls bool, err error) {
	if len(inputs) == 0 {
		return 0, false, errors.New("no input objects")
	}
	var files []*elf.File
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, in := range inputs {
		fs, cs, err := openInput(in)
		files = append(files, fs...)
		closers = append(closers, cs...)
		if err != nil {
			return 0, false, err
		}
	}
	if len(files) == 0 {
		return 0, false, fmt.Errorf("%s: no objects in the input", inputs[0])
	}
	if err := elf.SameArch(files); err != nil {
		return 0, false, err
	}
	for _, f := range files {
		for level := 0; level < 3; level++ {
			if f.Section(fmt.Sprintf(".fips_initcall%d", level)) != nil {
				initcalls = true
			}
		}
	}
	return files[0].Arch, initcalls, nil
}

// openInput opens one object, or each object of an archive. The caller
// closes the closers, also on error.
func openInput(path string) (files []*elf.File, closers []io.Closer, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &elf.Error{Path: path, Problem: "cannot open", Err: unwrapPath(err)}
	}
	closers = append(closers, f)
	st, err := f.Stat()
	if err != nil {
		return nil, closers, &elf.Error{Path: path, Problem: "cannot stat", Err: unwrapPath(err)}
	}
	if !st.Mode().IsRegular() {
		return nil, closers, &elf.Error{Path: path, Problem: fmt.Sprintf("not a regular file (%v)", st.Mode().Type())}
	}
	head := make([]byte, 8)
	n, _ := f.ReadAt(head, 0)
	if h := string(head[:n]); h != "!<arch>\n" && h != "!<thin>\n" {
		ef, err := elf.NewFile(path, f, st.Size(), elf.Want{Type: delf.ET_REL})
		if err != nil {
			return nil, closers, err
		}
		return []*elf.File{ef}, closers, nil
	}
	leaves, err := ar.Collect([]string{path})
	if err != nil {
		return nil, closers, &elf.Error{Path: path, Problem: "bad archive", Err: err}
	}
	for _, l := range leaves {
		if l.Member == "" {
			ef, err := elf.Open(l.Path, elf.Want{Type: delf.ET_REL})
			if err != nil {
				return files, closers, fmt.Errorf("%s: archive member: %w", path, err)
			}
			closers = append(closers, ef)
			files = append(files, ef)
			continue
		}
		af, err := os.Open(l.Path)
		if err != nil {
			return files, closers, &elf.Error{Path: l.Path, Problem: "cannot open", Err: unwrapPath(err)}
		}
		closers = append(closers, af)
		ef, err := elf.NewFile(l.Path+"("+l.Member+")", io.NewSectionReader(af, l.DataOffset(), l.Size), l.Size, elf.Want{Type: delf.ET_REL})
		if err != nil {
			return files, closers, err
		}
		files = append(files, ef)
	}
	return files, closers, nil
}

// unwrapPath drops the path from an *os.PathError, as elf.Error names the file.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
