// Package paramfile expands Bazel parameter files in a helper's arguments.
//
// Bazel passes long argument lists as "@path", where the file holds one
// argument per line (Args.set_param_file_format("multiline")). Every helper
// calls Expand before parsing flags.
package paramfile

import (
	"fmt"
	"os"
	"strings"
)

// Expand returns args with each "@file" argument replaced by the lines of
// that file. "@@x" stands for a literal "@x". Parameter files do not nest.
func Expand(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		switch {
		case strings.HasPrefix(arg, "@@"):
			out = append(out, arg[1:])
		case strings.HasPrefix(arg, "@") && len(arg) > 1:
			lines, err := read(arg[1:])
			if err != nil {
				return nil, err
			}
			out = append(out, lines...)
		default:
			out = append(out, arg)
		}
	}
	return out, nil
}

func read(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading parameter file: %w", err)
	}
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		return nil, nil
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimSuffix(line, "\r")
	}
	return lines, nil
}
