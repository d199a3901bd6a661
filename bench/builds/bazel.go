package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// server is one output base, with its own Bazel server, in one source tree.
type server struct {
	bazel, bazelrc string
	dir            string // the source tree
	outputBase     string
	flags          []string // added to every build
	log            io.Writer
}

// spawn is one executed action, from Bazel's execution log.
type spawn struct {
	Mnemonic      string   `json:"mnemonic"`
	ListedOutputs []string `json:"listedOutputs"`
	Metrics       struct {
		TotalTime string `json:"totalTime"`
	} `json:"metrics"`
}

// build is what one `bazel build` did.
type build struct {
	wall      time.Duration
	processes int     // Bazel's "N processes" (spawns, internal ones too)
	internal  int     // of which internal
	spawns    []spawn // the executed ones, from the execution log
	summary   string  // Bazel's processes line
}

// executed is the number of actions that ran a process.
func (b build) executed() int { return b.processes - b.internal }

// mnemonics counts the executed spawns by mnemonic: "KernelCompile×3, ...".
func (b build) mnemonics() string {
	n := map[string]int{}
	for _, s := range b.spawns {
		n[s.Mnemonic]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if n[k] == 1 {
			parts = append(parts, k)
		} else {
			parts = append(parts, fmt.Sprintf("%s×%d", k, n[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

var processesLine = regexp.MustCompile(`(?m)^INFO: (\d+) process(?:es)?(?:: (.*?))?\.?$`)
var internalCount = regexp.MustCompile(`(\d+) internal`)

func (s *server) command(args ...string) *exec.Cmd {
	var startup []string
	if s.bazelrc != "" {
		startup = append(startup, "--bazelrc="+s.bazelrc)
	}
	startup = append(startup, "--output_base="+s.outputBase)
	cmd := exec.Command(s.bazel, append(startup, args...)...)
	cmd.Dir = s.dir
	return cmd
}

// build runs `bazel build` with the server's flags and args, timed from
// the client's start to its exit.
func (s *server) build(args ...string) (build, error) {
	log := filepath.Join(s.outputBase+".logs", fmt.Sprintf("exec-%d.json", time.Now().UnixNano()))
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		return build{}, err
	}
	all := append([]string{"build", "--execution_log_json_file=" + log}, s.flags...)
	cmd := s.command(append(all, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return build{}, fmt.Errorf("%s (in %s): %v\n%s", strings.Join(cmd.Args, " "), s.dir, err, tail(stderr.String(), 30))
	}
	b := build{wall: wall}
	m := processesLine.FindStringSubmatch(stderr.String())
	if m == nil {
		return b, fmt.Errorf("%s: no \"INFO: N processes\" line in Bazel's output:\n%s", strings.Join(cmd.Args, " "), tail(stderr.String(), 10))
	}
	b.processes, _ = strconv.Atoi(m[1])
	b.summary = strings.TrimPrefix(m[0], "INFO: ")
	if im := internalCount.FindStringSubmatch(m[2]); im != nil {
		b.internal, _ = strconv.Atoi(im[1])
	}
	b.spawns, err = readExecLog(log)
	if err != nil {
		return b, err
	}
	fmt.Fprintf(s.log, "  %.2fs  %s  [%s]\n", wall.Seconds(), b.summary, b.mnemonics())
	return b, nil
}

// readExecLog reads Bazel's JSON execution log: a stream of objects.
func readExecLog(path string) ([]spawn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []spawn
	dec := json.NewDecoder(f)
	for {
		var s spawn
		if err := dec.Decode(&s); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, s)
	}
}

// seconds parses the execution log's durations ("0.123s").
func seconds(d string) float64 {
	v, err := time.ParseDuration(d)
	if err != nil {
		return 0
	}
	return v.Seconds()
}

func (s *server) shutdown() {
	if _, err := os.Stat(s.outputBase); err != nil {
		return
	}
	s.command("shutdown").Run()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
