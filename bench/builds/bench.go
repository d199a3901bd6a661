package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// bench is one run: the copy of the checkout and the servers started in it.
type bench struct {
	o       options
	src     string // the copy of the checkout
	log     io.Writer
	servers []*server
	edits   int // numbers each edit, so no two edits write the same bytes
}

func newBench(o options, log io.Writer) (*bench, error) {
	ws, err := filepath.Abs(o.workspace)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(ws, "MODULE.bazel")); err != nil {
		return nil, fmt.Errorf("-workspace %s: no MODULE.bazel there", ws)
	}
	if err := os.RemoveAll(o.workDir); err != nil {
		return nil, err
	}
	b := &bench{o: o, src: filepath.Join(o.workDir, "src"), log: log}
	if err := copyTree(ws, b.src); err != nil {
		return nil, fmt.Errorf("copying the checkout: %w", err)
	}
	return b, nil
}

func (b *bench) close() {
	for _, s := range b.servers {
		s.shutdown()
	}
	if !b.o.keep {
		os.RemoveAll(b.o.workDir)
	}
}

// server starts a fresh output base in the copy.
func (b *bench) server(name string, flags ...string) *server {
	s := &server{
		bazel:      b.o.bazel,
		bazelrc:    b.o.bazelrc,
		dir:        b.src,
		outputBase: filepath.Join(b.o.workDir, "ob", name),
		flags:      append(flags, b.o.flags...),
		log:        b.log,
	}
	b.servers = append(b.servers, s)
	return s
}

// edit appends a new, used constant to a C source: its object changes.
func (b *bench) edit(path string) (restore func(), err error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b.edits++
	line := fmt.Sprintf("\nstatic const char bench_edit_%d[] __attribute__((used)) = \"%d\";\n", b.edits, b.edits)
	if err := os.WriteFile(path, append(append([]byte{}, old...), line...), 0o644); err != nil {
		return nil, err
	}
	return func() { os.WriteFile(path, old, 0o644) }, nil
}

// editKey changes the last character of the .config's HMAC key.
func (b *bench) editKey(path string) (restore func(), err error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	const key = "CONFIG_CRYPTO_FIPS140_HMAC_KEY=\""
	text := string(old)
	at := strings.Index(text, key)
	if at < 0 {
		return nil, fmt.Errorf("%s: no %s…\" line", path, key)
	}
	end := at + len(key) + strings.IndexByte(text[at+len(key):], '"')
	if end <= at+len(key) {
		return nil, fmt.Errorf("%s: the HMAC key is empty or unterminated", path)
	}
	last := text[end-1]
	repl := byte('x')
	if last == 'x' {
		repl = 'y'
	}
	edited := text[:end-1] + string(repl) + text[end:]
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		return nil, err
	}
	return func() { os.WriteFile(path, old, 0o644) }, nil
}

// step is one measured build of incremental.
type step struct {
	name, goal string
	b          build
	met        func(cold, b build) string
}

func atMostActions(n int, ofCold float64) func(cold, b build) string {
	return func(cold, b build) string {
		share := b.wall.Seconds() / cold.wall.Seconds()
		return yesNo(b.executed() <= n && (ofCold == 0 || share <= ofCold))
	}
}

func onlyMnemonics(allowed ...string) func(cold, b build) string {
	return func(_, b build) string {
		for _, s := range b.spawns {
			if !contains(allowed, s.Mnemonic) {
				return "no"
			}
		}
		return "yes"
	}
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func (b *bench) incrementalTable(title string) *table {
	return &table{
		title:  title,
		header: []string{"platform", "build", "wall", "÷ cold", "actions run", "what ran", "goal", "met"},
	}
}

func addSteps(t *table, arch string, steps []step) {
	cold := steps[0].b
	for _, s := range steps {
		met := "—"
		if s.met != nil {
			met = s.met(cold, s.b)
		}
		t.rows = append(t.rows, []string{
			arch, s.name, secs(s.b.wall), ratio(s.b.wall, cold.wall),
			fmt.Sprint(s.b.executed()), s.b.mnemonicsShort(), s.goal, met,
		})
	}
}

// mnemonicsShort is mnemonics, or a count when many kinds ran (cold builds).
func (b build) mnemonicsShort() string {
	m := b.mnemonics()
	if n := strings.Count(m, ",") + 1; n > 10 {
		return fmt.Sprintf("%d kinds of action", n)
	}
	return m
}

// change is one edit of a rebuild step: it edits a file and returns how
// to undo it.
type change func() (restore func(), err error)

// rebuild is one step after the cold build and the null rebuild.
type rebuild struct {
	name, goal string
	change     change
	met        func(cold, b build) string
	restore    bool // build once more after undoing the change, untimed in the goals
}

// incremental builds target cold in server s, then a null rebuild, then
// each rebuild step, and adds the rows to t.
func (b *bench) incremental(t *table, arch string, s *server, target string, rebuilds []rebuild) error {
	var steps []step
	do := func(name, goal string, met func(cold, b build) string) error {
		r, err := s.build(target)
		if err != nil {
			return err
		}
		steps = append(steps, step{name: name, goal: goal, b: r, met: met})
		return nil
	}
	if err := do("cold", "", nil); err != nil {
		return err
	}
	if err := do("null rebuild", "0 actions", atMostActions(0, 0)); err != nil {
		return err
	}
	for _, r := range rebuilds {
		restore, err := r.change()
		if err != nil {
			return err
		}
		err = do(r.name, r.goal, r.met)
		restore()
		if err != nil {
			return err
		}
		if r.restore {
			if err := do("restore it", "", nil); err != nil {
				return err
			}
		}
	}
	addSteps(t, arch, steps)
	s.shutdown()
	return nil
}

// editC is a change that appends a used constant to a C source.
func (b *bench) editC(path string) change {
	return func() (func(), error) { return b.edit(path) }
}

func (b *bench) example() (*table, error) {
	t := b.incrementalTable("//examples:vmlinux (the stand-in tree): fresh output base, then rebuilds in the same server")
	for _, arch := range b.o.archs {
		s := b.server("example-"+arch, "--platforms=//platforms:"+arch)
		config := filepath.Join(b.src, "examples/configs", arch+".config")
		err := b.incremental(t, arch, s, "//examples:vmlinux", []rebuild{
			{
				name: "edit one crypto .c (xor8.c, =y)", goal: "≤ 10 actions, ≤ 25% of cold",
				change: b.editC(filepath.Join(b.src, "examples/crypto/xor8.c")), met: atMostActions(10, 0.25), restore: true,
			},
			{
				name: "edit the HMAC key in the .config", goal: "digest, embed, link only",
				change: func() (func(), error) { return b.editKey(config) },
				met:    onlyMnemonics("Fips140Hmac", "Fips140Embed", "KernelLinkVmlinux"),
			},
		})
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

// linuxSource is the canonical name of the pinned linux-source-7.2 repo.
const linuxSource = "_main~debian~debian_linux_source_7_2"

// fetched returns the directory of an external repository, fetched in an
// output base of its own (so that the measured output bases start cold).
func (b *bench) fetched(apparent, canonical string) (string, error) {
	s := b.fetchServer()
	cmd := s.command("query", "--noshow_progress", "@"+apparent+"//:*")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(string(out), 20))
	}
	return filepath.Join(s.outputBase, "external", canonical), nil
}

func (b *bench) fetchServer() *server {
	for _, s := range b.servers {
		if filepath.Base(s.outputBase) == "fetch" {
			return s
		}
	}
	return b.server("fetch")
}

// sourceCopy is an editable copy of the linux-source repo, for
// --override_repository.
func (b *bench) sourceCopy(name string) (string, error) {
	dir, err := b.fetched("debian_linux_source_7_2", linuxSource)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(b.o.workDir, name)
	if err := copyTree(dir, dst); err != nil {
		return "", err
	}
	return dst, nil
}

func (b *bench) realkernel() (*table, error) {
	t := b.incrementalTable("//tests/realkernel:fips140 (Linux 7.2 crypto parts, Debian 7.2.13 headers): fresh output base, then rebuilds")
	for _, arch := range b.o.archs {
		source, err := b.sourceCopy("linux-source-" + arch)
		if err != nil {
			return t, err
		}
		s := b.server("realkernel-"+arch, "--platforms=//platforms:"+arch, "--override_repository="+linuxSource+"="+source)
		err = b.incremental(t, arch, s, "//tests/realkernel:fips140", []rebuild{{
			name: "edit one crypto .c (wp512.c, =y)", goal: "≤ 10 actions, ≤ 25% of cold",
			change: b.editC(filepath.Join(source, "crypto/wp512.c")), met: atMostActions(10, 0.25),
		}})
		if err != nil {
			return t, err
		}
	}
	t.notes = append(t.notes, "The real-kernel build has no vmlinux (Debian's kernel is prebuilt), so no HMAC-key step.")
	return t, nil
}

// pipeline is what a synthetic build ran besides the parts' compiles.
func pipelineShare(spawns []spawn) (compile, pipeline float64, kinds map[string]float64) {
	kinds = map[string]float64{}
	for _, s := range spawns {
		w := seconds(s.Metrics.TotalTime)
		if s.Mnemonic == "KernelCompile" && !anySuffix(s.ListedOutputs, ".mod.o", "main.o", "module-common.o") {
			compile += w
			continue
		}
		pipeline += w
		kinds[s.Mnemonic] += w
	}
	return compile, pipeline, kinds
}

func anySuffix(list []string, suffixes ...string) bool {
	for _, s := range list {
		for _, suf := range suffixes {
			if strings.HasSuffix(s, suf) {
				return true
			}
		}
	}
	return false
}

func (b *bench) synthetic() (*table, error) {
	t := &table{
		title:  "Synthetic trees (x86_64, the example kernel): analysis, and the pipeline's share of action time",
		header: []string{"crypto objects", "analysis", "per added object", "growth", "build wall", "actions run", "compile time", "pipeline time", "pipeline share", "goal", "met"},
	}
	s := b.server("synthetic", "--platforms=//platforms:x86_64")
	for _, n := range b.o.sizes {
		if err := writeSynthetic(filepath.Join(b.src, "bench/synthetic", fmt.Sprintf("n%d", n)), n); err != nil {
			return t, err
		}
	}
	if err := writeSynthetic(filepath.Join(b.src, "bench/synthetic/warmup"), 1); err != nil {
		return t, err
	}
	// The toolchain, the Go helpers, the example kernel and a tree of one
	// object: loaded, analyzed and built once, so what follows is the
	// trees' own cost.
	if _, err := s.build("//examples:vmlinux"); err != nil {
		return t, err
	}
	if _, err := s.build("//bench/synthetic/warmup:vmlinux"); err != nil {
		return t, err
	}
	analyses, err := b.analysisTimes(s, b.o.sizes)
	if err != nil {
		return t, err
	}
	var base time.Duration
	var baseN int
	var firstMarginal float64
	for i, n := range b.o.sizes {
		target := fmt.Sprintf("//bench/synthetic/n%d:vmlinux", n)
		analysis := analyses[n]
		full, err := s.build(target)
		if err != nil {
			return t, err
		}
		compile, pipeline, kinds := pipelineShare(full.spawns)
		share := pipeline / (compile + pipeline)
		marginal, growth, shareGoal, shareMet := "—", "—", "", "—"
		if i == 0 {
			base, baseN = analysis, n
		} else {
			m := (analysis - base).Seconds() * 1000 / float64(n-baseN)
			marginal = fmt.Sprintf("%.2f ms", m)
			if firstMarginal == 0 {
				firstMarginal = m
			}
			growth = fmt.Sprintf("%.2f", m/firstMarginal)
		}
		if i == len(b.o.sizes)-1 {
			shareGoal, shareMet = "≤ 10%", yesNo(share <= 0.10)
		}
		t.rows = append(t.rows, []string{
			fmt.Sprint(n), secs(analysis), marginal, growth,
			secs(full.wall), fmt.Sprint(full.executed()), fmt.Sprintf("%.1f s", compile), fmt.Sprintf("%.1f s", pipeline),
			fmt.Sprintf("%.1f%%", 100*share), shareGoal, shareMet,
		})
		t.notes = append(t.notes, fmt.Sprintf("%d objects, pipeline time by mnemonic: %s", n, byValue(kinds)))
	}
	t.notes = append(t.notes,
		fmt.Sprintf("analysis: the median of %d runs of `bazel build --nobuild` of the tree's vmlinux, each with a new `--define` so that the whole graph is analysed again (its packages stay loaded), in a server that has built the example and a one-object tree; per added object: the time beyond the first tree's, divided by the objects beyond its; growth: that, divided by the same at the second size (goal: ≤ 1, no worse than linear).", analysisRounds),
		"compile time: the parts' KernelCompile actions; pipeline time: every other action (archive, partial link, modpost, .mod.c/.mod.o, main, .ko, hmac, embed, vmlinux link), both as sums of action time from Bazel's execution log.")
	s.shutdown()
	return t, nil
}

// analysisRounds is how many times each synthetic tree is analysed.
const analysisRounds = 5

// analysisTimes is, for each tree size, the median wall time of analysing
// its vmlinux again: each run has a new --define, which changes the
// configuration, so nothing analysed before is reused (loaded packages
// are). One untimed round first warms the JVM; in every round the sizes
// take turns going first, so the server's warming up does not favour one.
func (b *bench) analysisTimes(s *server, sizes []int) (map[int]time.Duration, error) {
	times := map[int][]time.Duration{}
	for r := 0; r <= analysisRounds; r++ {
		for i := range sizes {
			n := sizes[(i+r)%len(sizes)]
			b.edits++
			res, err := s.build("--nobuild", fmt.Sprintf("--define=bench_analysis=%d", b.edits), fmt.Sprintf("//bench/synthetic/n%d:vmlinux", n))
			if err != nil {
				return nil, err
			}
			if r > 0 {
				times[n] = append(times[n], res.wall)
			}
		}
	}
	out := map[int]time.Duration{}
	for n, ts := range times {
		out[n] = medianOf(ts)
	}
	return out, nil
}

func byValue(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.2f s", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds())
}

// copyTree copies regular files and directories: no .git, no symlinks
// (bazel-* convenience links), no user.bazelrc.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case rel == "user.bazelrc":
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			// Inside a fetched repository, a symlink is content: keep it.
			if filepath.Dir(rel) != "." || !strings.HasPrefix(d.Name(), "bazel-") {
				target, err := os.Readlink(path)
				if err != nil {
					return err
				}
				return os.Symlink(target, dst)
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode().Perm())
	})
}
