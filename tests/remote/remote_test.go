// Package remote tests --config=remote-cache and --config=remote against a
// real Remote Execution API server on loopback: Debian's buildbox-casd,
// behind the protocol shim that Bazel 7.7.1 needs (tests/remote/reapishim,
// docs/remote.md).
//
//   - A checkout builds with an empty remote cache and fills it. A second
//     checkout at another path, with a clean output base, must then take
//     every cacheable action from the cache and produce the same bytes.
//   - A build with remote execution, against a fresh casd (so nothing is
//     cached), must produce the same bytes as the local build.
package remote

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rules-fips140/rules_fips140/tests/internal/nested"
	"github.com/rules-fips140/rules_fips140/tests/remote/reapishim"
	"github.com/rules-fips140/rules_fips140/tools/testskip"
)

var cacheOnly = flag.Bool("cache_only", false, "skip the remote execution build (bench/remote_cache.sh)")

// stateDir holds the checkouts, output bases and casd caches in bazelw's
// build root: outside the outer Bazel's output base, whose paths are too
// long for a nested server's socket.
const stateDir = "/var/cache/rules_fips140/remote"

var (
	targets = []string{
		"//examples:vmlinux",
		"//tests/realkernel:fips140",
	}
	buildFlags = []string{
		"--platforms=//platforms:x86_64",
		// fips140: the module vmlinux embeds, its digest and the =m modules.
		"--output_groups=+fips140",
	}
)

// tool finds a program through its environment variable, then PATH.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		testskip.Skipf(t, "no %s: set %s or put it on PATH (Debian package buildbox)", name, env)
	}
	return p
}

// server is buildbox-casd with the shim in front of it.
type server struct {
	addr string // the shim's, for Bazel: grpc://127.0.0.1:PORT
}

// startServer starts casd on a unix socket in dir (with a runner: it also
// executes actions) and the shim on a loopback port. Both stop when the
// test ends, however it ends.
func startServer(t *testing.T, dir, runner string) server {
	t.Helper()
	casd := tool(t, "FIPS140_TEST_BUILDBOX_CASD", "buildbox-casd")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "casd.sock")
	args := []string{"--bind=unix:" + sock, "--log-level=warning"}
	if runner != "" {
		args = append(args, "--buildbox-run="+runner, "--jobs=2")
	}
	cmd := exec.Command(casd, append(args, filepath.Join(dir, "cache"))...)
	logFile, err := os.Create(filepath.Join(dir, "casd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", casd, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logFile.Close()
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before serving: see %s", casd, logFile.Name())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not create %s within 30s: see %s", casd, sock, logFile.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}

	conn, err := reapishim.Dial("unix:" + sock)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("shim: %v", err)
	}
	// What the shim changed, for the log: which of its two fixes this
	// casd and this Bazel still need.
	var mu sync.Mutex
	changed := map[string]int{}
	logf := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if strings.HasSuffix(msg, " 0 Directory records") {
			msg = "output directories whose Directory records were all in the CAS"
		} else if strings.Contains(msg, ": uploaded ") {
			msg = "output directories whose Directory records the shim uploaded"
		}
		mu.Lock()
		defer mu.Unlock()
		changed[msg]++
	}
	srv := reapishim.New(conn, logf).NewServer()
	go srv.Serve(lis)
	t.Cleanup(func() {
		srv.Stop()
		conn.Close()
		mu.Lock()
		defer mu.Unlock()
		for msg, n := range changed {
			t.Logf("shim in front of %s: %d× %s", dir, n, msg)
		}
	})
	return server{addr: "grpc://" + lis.Addr().String()}
}

// checkout is one copy of the source tree and its own output base.
type checkout struct{ nested.Checkout }

// result is what one build produced.
type result struct {
	execroot string
	sums     map[string]string // execroot-relative output path: sha256
	procs    processes
	// setup: the server's start, fetching the external repositories
	// and the analysis (bazel build --nobuild); build: the build after it.
	setup, build time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("%.1fs (%.1fs fetching and analysis, then %.1fs building), %s",
		(r.setup + r.build).Seconds(), r.setup.Seconds(), r.build.Seconds(), r.procs)
}

// build builds the targets with extra flags and hashes the outputs.
func (c checkout) build(t *testing.T, extra ...string) result {
	t.Helper()
	t.Cleanup(c.Shutdown)
	args := append(append(append([]string{"build"}, buildFlags...), extra...), targets...)
	start := time.Now()
	c.Bazel(t, append(args, "--nobuild")...)
	r := result{setup: time.Since(start), sums: map[string]string{}}
	start = time.Now()
	_, stderr := c.Bazel(t, args...)
	r.build = time.Since(start)
	var err error
	if r.procs, err = parseProcesses(stderr); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	files, _ := c.Bazel(t, append(append(append([]string{"cquery", "--output=files"}, buildFlags...), extra...), strings.Join(targets, " + "))...)
	r.execroot, _ = c.Bazel(t, "info", "execution_root")
	for _, f := range strings.Fields(files) {
		r.sums[f] = nested.SHA256File(t, filepath.Join(r.execroot, f))
	}
	c.Shutdown()
	return r
}

// processes is Bazel's count of the spawns of a build, by how they ran:
// "INFO: 62 processes: 16 internal, 46 linux-sandbox." or
// "INFO: 12 processes: 5 remote cache hit, 7 internal."
type processes struct {
	total int
	by    map[string]int
}

var processesLine = regexp.MustCompile(`(?m)^INFO: (\d+) process(?:es)?(?:: (.*))?\.$`)

func parseProcesses(stderr string) (processes, error) {
	m := processesLine.FindAllStringSubmatch(stderr, -1)
	if len(m) == 0 {
		return processes{}, fmt.Errorf(`no "INFO: N processes: ..." line in Bazel's output`)
	}
	last := m[len(m)-1]
	p := processes{by: map[string]int{}}
	p.total, _ = strconv.Atoi(last[1])
	sum := 0
	if last[2] != "" {
		for _, part := range strings.Split(last[2], ", ") {
			n, kind, ok := strings.Cut(part, " ")
			count, err := strconv.Atoi(n)
			if !ok || err != nil {
				return processes{}, fmt.Errorf("cannot read %q in %q", part, last[0])
			}
			p.by[kind] += count
			sum += count
		}
	}
	if sum != p.total {
		return processes{}, fmt.Errorf("%q: the kinds add up to %d, not %d", last[0], sum, p.total)
	}
	return p, nil
}

func (p processes) String() string {
	var kinds []string
	for k := range p.by {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "%d processes:", p.total)
	for _, k := range kinds {
		fmt.Fprintf(&b, " %d %s,", p.by[k], k)
	}
	return strings.TrimSuffix(b.String(), ",")
}

// compare reports every output that differs between two builds.
func compare(t *testing.T, what string, a, b result) {
	t.Helper()
	if len(a.sums) == 0 {
		t.Errorf("%s: no outputs", what)
	}
	paths := map[string]bool{}
	for f := range a.sums {
		paths[f] = true
	}
	for f := range b.sums {
		paths[f] = true
	}
	var sorted []string
	for f := range paths {
		sorted = append(sorted, f)
	}
	sort.Strings(sorted)
	same := 0
	for _, f := range sorted {
		sa, sb := a.sums[f], b.sums[f]
		switch {
		case sa == "" || sb == "":
			t.Errorf("%s: %s is an output of only one build", what, f)
		case sa != sb:
			t.Errorf("%s: %s differs: sha256 %s != %s (kept: %s and %s)", what, f, sa, sb,
				filepath.Join(a.execroot, f), filepath.Join(b.execroot, f))
		default:
			same++
		}
	}
	t.Logf("%s: %d of %d outputs identical", what, same, len(sorted))
}

func TestRemote(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") == "" {
		testskip.Skipf(t, "runs under bazel test")
	}
	ws := nested.Workspace(t)
	base := t.TempDir()
	if nested.InBuildRoot() {
		base = stateDir
	}
	if err := os.RemoveAll(base); err != nil {
		t.Fatalf("removing the last run's checkouts, output bases and caches: %v", err)
	}
	// Registered first, so it runs last: after the servers and casd stop.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("checkouts, output bases, casd caches and logs kept in %s", base)
		} else {
			os.RemoveAll(base)
		}
	})
	tool(t, "FIPS140_TEST_BUILDBOX_CASD", "buildbox-casd")
	runner := tool(t, "FIPS140_TEST_BUILDBOX_RUN", "buildbox-run-hosttools")

	// (a) Remote cache: checkout A fills it, checkout B at another path
	// with a clean output base reads it.
	cache := startServer(t, filepath.Join(base, "cas-cache"), "")
	cacheFlags := []string{"--config=remote-cache", "--remote_cache=" + cache.addr}
	a := checkout{nested.Checkout{Dir: filepath.Join(base, "a", "src"), OutputBase: filepath.Join(base, "a", "output_base")}}
	b := checkout{nested.Checkout{Dir: filepath.Join(base, "b", "second-checkout", "rules_fips140"), OutputBase: filepath.Join(base, "b", "ob")}}
	nested.CopyTree(t, ws, a.Dir)
	nested.CopyTree(t, ws, b.Dir)
	cold := a.build(t, cacheFlags...)
	t.Logf("cold build, empty remote cache, fresh output base: %s", cold)
	warm := b.build(t, cacheFlags...)
	t.Logf("warm remote cache, second checkout, fresh output base: %s", warm)
	t.Logf("BENCH remote cache: whole commands: cold %.1fs, warm %.1fs, warm/cold %.1f%%; building after fetching and analysis: cold %.1fs, warm %.1fs, warm/cold %.1f%%",
		(cold.setup + cold.build).Seconds(), (warm.setup + warm.build).Seconds(),
		100*(warm.setup+warm.build).Seconds()/(cold.setup+cold.build).Seconds(),
		cold.build.Seconds(), warm.build.Seconds(), 100*warm.build.Seconds()/cold.build.Seconds())
	hits := warm.procs.by["remote cache hit"]
	cacheable := warm.procs.total - warm.procs.by["internal"]
	if hits != cacheable || hits == 0 {
		t.Errorf("second checkout: %d of %d cacheable processes were remote cache hits (%s); the others ran again",
			hits, cacheable, warm.procs)
	}
	compare(t, "remote cache", cold, warm)

	if *cacheOnly {
		return
	}
	// (b) Remote execution against a fresh casd: nothing is cached, every
	// action runs on the "worker" (buildbox-run-hosttools).
	execSrv := startServer(t, filepath.Join(base, "cas-exec"), runner)
	c := checkout{nested.Checkout{Dir: a.Dir, OutputBase: filepath.Join(base, "c", "output_base")}}
	remote := c.build(t, "--config=remote", "--remote_executor="+execSrv.addr)
	t.Logf("remote execution, fresh output base and server: %s", remote)
	if remote.procs.by["remote"] == 0 {
		t.Errorf("remote execution build: no process ran remotely (%s)", remote.procs)
	}
	for kind, n := range remote.procs.by {
		if kind != "remote" && kind != "internal" {
			t.Errorf("remote execution build: %d processes ran %s, not remotely (%s)", n, kind, remote.procs)
		}
	}
	compare(t, "remote execution against the local build", cold, remote)
}
