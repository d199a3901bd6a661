package main

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// timing is one run of one side.
type timing struct {
	wall, cpu time.Duration // cpu: user + system time of its processes
}

// result is one case's timings.
type result struct {
	tool, input  string
	target       float64
	ours, native []timing
}

// measure runs both sides alternately: an untimed warm-up round, then runs
// timed rounds, swapping which side goes first each round (and, with
// swapDirs, their directories). The outputs are compared after every
// round.
func measure(c benchCase, runs int, verbose bool, log io.Writer) (result, error) {
	r := result{tool: c.tool, input: c.input, target: c.target}
	for round := 0; round <= runs; round++ {
		oursFirst := round%2 == 1
		var ours, native timing
		var err error
		for _, first := range []bool{true, false} {
			if first == oursFirst {
				ours, err = runSide(c.ours)
				err = wrap(err, "ours")
			} else {
				native, err = runSide(c.native)
				err = wrap(err, "native")
			}
			if err != nil {
				return r, err
			}
		}
		if err := c.check(); err != nil {
			return r, fmt.Errorf("outputs differ after round %d: %w", round, err)
		}
		if c.swapDirs {
			c.ours.dir, c.native.dir = c.native.dir, c.ours.dir
			c.ours.clean, c.native.clean = c.native.clean, c.ours.clean
		}
		if round == 0 {
			continue // warm-up
		}
		r.ours = append(r.ours, ours)
		r.native = append(r.native, native)
		if verbose {
			fmt.Fprintf(log, "  run %d: ours %s (cpu %s), native %s (cpu %s)\n", round,
				ms(ours.wall), ms(ours.cpu), ms(native.wall), ms(native.cpu))
		}
	}
	return r, nil
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// runSide cleans the side's outputs, then runs and times its commands.
func runSide(s side) (timing, error) {
	var t timing
	if err := s.clean(); err != nil {
		return t, err
	}
	for _, argv := range s.cmds {
		var out bytes.Buffer
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = s.dir
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		t.wall += time.Since(start)
		if err != nil {
			return t, fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, tail(out.String(), 2000))
		}
		t.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return t, nil
}

// runIn runs argv in dir, untimed.
func runIn(dir string, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w\n%s", err, tail(string(out), 2000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// median of the wall or cpu times.
func median(ts []timing, cpu bool) time.Duration {
	var d []time.Duration
	for _, t := range ts {
		if cpu {
			d = append(d, t.cpu)
		} else {
			d = append(d, t.wall)
		}
	}
	slices.Sort(d)
	n := len(d)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}

// fastest is the shortest wall time: the run least disturbed by other load.
func fastest(ts []timing) time.Duration {
	best := ts[0].wall
	for _, t := range ts[1:] {
		best = min(best, t.wall)
	}
	return best
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// printTable prints one row per result: wall-time medians and their ratio
// against the target (information only, never enforced), the ratio of the
// fastest runs, and the medians of CPU time (user + system).
func printTable(w io.Writer, results []result, markdown bool) {
	head := []string{"tool", "input", "ours (median)", "native (median)", "ours ÷ native", "target", "met", "min ÷ min", "ours cpu", "native cpu"}
	var rows [][]string
	for _, r := range results {
		o, n := median(r.ours, false), median(r.native, false)
		ratio := float64(o) / float64(n)
		met := "yes"
		if ratio > r.target {
			met = "no"
		}
		rows = append(rows, []string{
			r.tool, r.input, ms(o), ms(n), fmt.Sprintf("%.2f", ratio), fmt.Sprintf("≤ %.1f", r.target), met,
			fmt.Sprintf("%.2f", float64(fastest(r.ours))/float64(fastest(r.native))),
			ms(median(r.ours, true)), ms(median(r.native, true)),
		})
	}
	if markdown {
		fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
		for _, row := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}
