package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of the built corral binary: what a user sees from a
// shell. Each test gives corral a CORRAL_HOME of its own, bounds every
// wait, and kills whatever it started.

// markerEnv is set (through corral run -e) in the commands these tests
// start, to a value unique to the test: scanning /proc for it finds every
// process of the tree, wherever it went, and nothing else.
const markerEnv = "CORRAL_TEST_MARKER"

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// corralBinary builds corral once per test binary run.
func corralBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "corral-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		builtDir = dir
		bin := filepath.Join(dir, "corral")
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		builtBin = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// e2e is one test's corral: its binary, home and extra environment.
type e2e struct {
	t    *testing.T
	bin  string
	home string
	env  []string
	// waitCh holds, for each corral started with start, a channel closed
	// once its Wait returned.
	waitCh map[*exec.Cmd]chan struct{}
}

func newE2E(t *testing.T, env ...string) *e2e {
	t.Helper()
	e := &e2e{t: t, bin: corralBinary(t), home: t.TempDir(), env: env, waitCh: map[*exec.Cmd]chan struct{}{}}
	// Last of the test's cleanups: whatever a failed test left recorded
	// (records, cgroups) is reaped, its owner being dead by then.
	t.Cleanup(func() {
		if !t.Failed() {
			return // a passing test left nothing
		}
		if r := e.run("", "reap"); r.code != 0 {
			t.Logf("cleanup reap: exit %d: %s", r.code, r.stderr)
		}
	})
	return e
}

// command returns corral with args, not started, its environment the
// test's but CORRAL_HOME and CORRAL_CONTAINMENT.
func (e *e2e) command(args ...string) *exec.Cmd {
	cmd := exec.Command(e.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CORRAL_HOME=") && !strings.HasPrefix(kv, "CORRAL_CONTAINMENT=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CORRAL_HOME="+e.home)
	cmd.Env = append(cmd.Env, e.env...)
	return cmd
}

// run runs corral to its end, at most testTimeout.
func (e *e2e) run(stdin string, args ...string) result {
	e.t.Helper()
	return e.runCmd(e.command(args...), stdin)
}

// runCmd runs cmd, from command, to its end, at most testTimeout.
func (e *e2e) runCmd(cmd *exec.Cmd, stdin string) result {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Bounds the wait for our pipes should a stray process hold them.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	code := e.wait(cmd, testTimeout)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// start starts a long-running corral whose output goes to files, so that
// no pipe of ours is held by the tree after corral is gone. It is killed
// at the end of the test if still running.
func (e *e2e) start(args ...string) (*exec.Cmd, func() string) {
	e.t.Helper()
	cmd := e.command(args...)
	dir := e.t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		e.t.Fatal(err)
	}
	errf, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, errf
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	out.Close()
	errf.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	e.waitCh[cmd] = exited
	stderr := func() string {
		b, _ := os.ReadFile(errf.Name())
		return string(b)
	}
	return cmd, stderr
}

// wait waits at most d for cmd to exit and returns its exit code; it
// kills cmd and fails the test when d passes.
func (e *e2e) wait(cmd *exec.Cmd, d time.Duration) int {
	e.t.Helper()
	exited, ok := e.waitCh[cmd]
	if !ok {
		ch := make(chan struct{})
		go func() { cmd.Wait(); close(ch) }()
		exited = ch
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-exited:
	case <-timer.C:
		cmd.Process.Kill()
		<-exited
		e.t.Fatalf("corral %v did not exit within %v", cmd.Args[1:], d)
	}
	return cmd.ProcessState.ExitCode()
}

func newMarker(t *testing.T) string {
	b := make([]byte, 8)
	rand.Read(b)
	return strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "-" + hex.EncodeToString(b)
}

// markedProcs returns the live processes whose environment holds
// markerEnv=marker. Zombies have no environment left, so they never count.
func markedProcs(marker string) []int { return procsWithEnv(markerEnv + "=" + marker) }

// procsWithEnv returns the live processes whose environment holds kv.
func procsWithEnv(kv string) []int {
	want := []byte(kv)
	return procsWhose("environ", func(b []byte) bool {
		return slices.ContainsFunc(bytes.Split(b, []byte{0}), func(v []byte) bool { return bytes.Equal(v, want) })
	})
}

// procsWhose lists the processes whose /proc/PID/<file> is readable and
// satisfies match.
func procsWhose(file string, match func([]byte) bool) []int {
	names, _ := filepath.Glob("/proc/[0-9]*/" + file)
	var pids []int
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && match(b) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(n)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// killMarked kills what is left of a test's tree: its own processes.
func killMarked(t *testing.T, marker string) {
	t.Cleanup(func() {
		for _, pid := range markedProcs(marker) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// eventually polls cond every 10ms until it holds, failing the test with
// what after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// containments runs f under each containment this host offers: the
// default (a cgroup where writable) and process groups.
func containments(t *testing.T, f func(t *testing.T, env []string)) {
	t.Run("default", func(t *testing.T) { f(t, nil) })
	t.Run("pgroup", func(t *testing.T) { f(t, []string{"CORRAL_CONTAINMENT=pgroup"}) })
}

func TestE2EExitCodes(t *testing.T) {
	e := newE2E(t)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"success", []string{"run", "--", "true"}, 0},
		{"exit status", []string{"run", "--", "sh", "-c", "exit 7"}, 7},
		{"killed by SIGKILL", []string{"run", "--", "sh", "-c", "kill -KILL $$"}, 137},
		{"killed by SIGTERM", []string{"run", "--", "sh", "-c", "kill -TERM $$"}, 143},
		{"not found", []string{"run", "--", "corral-test-no-such-binary"}, 127},
		{"not executable", []string{"run", "--", "/etc/passwd"}, 126},
		{"a directory", []string{"run", "--", "/"}, 126},
		{"mistyped command", []string{"doctr"}, 2},
		{"--grace over 24h", []string{"run", "--grace", "25h", "--", "true"}, 2},
		{"--version", []string{"--version"}, 0},
		{"version", []string{"version"}, 0},
		{"bad flag", []string{"run", "--frob", "--", "true"}, 2},
		{"bad -e", []string{"run", "-e", "=x", "--", "true"}, 2},
		{"unknown command", []string{"frob"}, 2},
		{"env without flake.nix", []string{"env"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run("", tt.args...)
			if r.code != tt.want {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, tt.want, r.stderr)
			}
			if tt.want == 2 && len(lines(r.stderr)) != 1 {
				t.Errorf("stderr %q, want one line", r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "Usage:") {
				t.Errorf("stderr holds a stack trace or a usage dump: %q", r.stderr)
			}
		})
	}
}

func TestE2EPort(t *testing.T) {
	r := newE2E(t).run("", "port")
	if !regexp.MustCompile(`^[0-9]+\n$`).MatchString(r.stdout) || r.code != 0 {
		t.Errorf("got %+v, want a number alone", r)
	}
}

func TestE2EStdoutStderrSeparate(t *testing.T) {
	r := newE2E(t).run("", "run", "--", "sh", "-c", "echo out; echo err >&2")
	if r.stdout != "out\n" || r.stderr != "err\n" || r.code != 0 {
		t.Errorf("got %+v, want out on stdout and err on stderr", r)
	}
}

func TestE2EStdin(t *testing.T) {
	r := newE2E(t).run("piped\ninput\n", "run", "--", "cat")
	if r.stdout != "piped\ninput\n" || r.code != 0 {
		t.Errorf("got %+v", r)
	}
}

// TestE2ESigtermStopsTree: SIGTERM to corral stops the whole tree and
// corral exits 128+15.
func TestE2ESigtermStopsTree(t *testing.T) {
	containments(t, func(t *testing.T, env []string) {
		e := newE2E(t, env...)
		marker := newMarker(t)
		killMarked(t, marker)
		cmd, stderr := e.start("run", "-e", markerEnv+"="+marker, "--", "sh", "-c", "sleep 300 & sleep 300 & wait")
		eventually(t, 10*time.Second, "the tree did not start", func() bool { return len(markedProcs(marker)) >= 3 })
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := e.wait(cmd, 15*time.Second); code != 143 {
			t.Errorf("exit code %d, want 143 (stderr %q)", code, stderr())
		}
		eventually(t, 5*time.Second, "processes of the tree survived corral", func() bool { return len(markedProcs(marker)) == 0 })
	})
}

// TestE2ESecondSignalKills: a tree that ignores SIGTERM, under a long
// grace period, is killed at once by a second signal.
func TestE2ESecondSignalKills(t *testing.T) {
	e := newE2E(t)
	marker := newMarker(t)
	killMarked(t, marker)
	cmd, stderr := e.start("--log-level", "info", "run", "--grace", "1h", "-e", markerEnv+"="+marker, "--",
		"sh", "-c", `trap "" TERM; sleep 300 & wait`)
	eventually(t, 10*time.Second, "the tree did not start", func() bool { return len(markedProcs(marker)) >= 2 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Handshake: corral logs when it begins stopping the tree, which
	// ignores SIGTERM and would outlive the hour of grace.
	eventually(t, 10*time.Second, "corral did not begin to stop the tree", func() bool {
		return strings.Contains(stderr(), "stopping the tree")
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := e.wait(cmd, 15*time.Second); code != 143 {
		t.Errorf("exit code %d, want 143 for the first signal (stderr %q)", code, stderr())
	}
	eventually(t, 5*time.Second, "processes of the tree survived corral", func() bool { return len(markedProcs(marker)) == 0 })
}

// TestE2EKillThenReap: after kill -9 of corral its tree runs on, and the
// next corral reap, or the next corral run, stops it.
func TestE2EKillThenReap(t *testing.T) {
	for _, next := range []string{"reap", "run"} {
		t.Run(next, func(t *testing.T) {
			containments(t, func(t *testing.T, env []string) {
				e := newE2E(t, env...)
				marker := newMarker(t)
				killMarked(t, marker)
				cmd, _ := e.start("run", "-e", markerEnv+"="+marker, "--", "sh", "-c", "sleep 300 & sleep 300 & wait")
				eventually(t, 10*time.Second, "the tree did not start", func() bool { return len(markedProcs(marker)) >= 3 })
				tree := treeOf(t, markedProcs(marker)[0])
				killGuardianOf(t, cmd.Process.Pid) // the reaper is the net when the guardian dies too
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				e.wait(cmd, 5*time.Second)
				// The tree outlives its supervisor until something reaps it.
				// Checked with process groups only: reapers of other test
				// binaries sweep unrecorded cgroups of dead owners machine-wide,
				// and this tree's record is in our CORRAL_HOME, not theirs.
				if n := len(markedProcs(marker)); env != nil && n < 3 {
					t.Fatalf("%d processes left after kill -9 of corral, want the 3 of the tree", n)
				}
				var r result
				if next == "reap" {
					r = e.run("", "reap")
					want := regexp.MustCompile(`(?m)^reaped ` + regexp.QuoteMeta(tree) + ` sh \((cgroup|pgroup), owner pid ` + strconv.Itoa(cmd.Process.Pid) + `, [0-9]+ process(es)? stopped\)$`)
					if !want.MatchString(r.stdout) {
						t.Errorf("reap printed %q, want a line matching %s", r.stdout, want)
					}
				} else {
					r = e.run("", "run", "--", "true")
				}
				if r.code != 0 {
					t.Errorf("corral %s: exit %d, stderr %q", next, r.code, r.stderr)
				}
				eventually(t, 5*time.Second, "the orphaned tree was not reaped", func() bool { return len(markedProcs(marker)) == 0 })
				// The reaper also sweeps unrecorded cgroups of dead owners
				// machine-wide, so a second reap may report other tests'
				// trees; never ours again.
				if r := e.run("", "reap"); strings.Contains(r.stdout, tree) {
					t.Errorf("second reap printed %q: the tree was reaped twice", r.stdout)
				}
			})
		})
	}
}

// treeOf returns the CORRAL_TREE of pid.
func treeOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("CORRAL_TREE=")); ok {
			return string(v)
		}
	}
	t.Fatalf("process %d has no CORRAL_TREE", pid)
	return ""
}

// TestE2EPsShowsLiveTree: ps lists a running tree with its owner alive,
// and an orphaned one (its corral killed) marked orphaned, in the table
// and in --json, with the hint to reap; and it does not reap the orphan.
// Process groups: an orphaned cgroup tree could be swept by another test
// binary's reaper meanwhile.
func TestE2EPsShowsLiveTree(t *testing.T) {
	e := newE2E(t, "CORRAL_CONTAINMENT=pgroup")
	marker := newMarker(t)
	killMarked(t, marker)
	cmd, _ := e.start("run", "-e", markerEnv+"="+marker, "--", "sh", "-c", "sleep 300 & exec sleep 301")
	eventually(t, 10*time.Second, "the tree did not start", func() bool { return len(markedProcs(marker)) >= 2 })
	tree := treeOf(t, markedProcs(marker)[0])
	owner := strconv.Itoa(cmd.Process.Pid)
	line := func(state string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tree) + `\s+sh\s+` + owner + ` ` + state + `\s+[0-9]+\s+2\s`)
	}

	r := e.run("", "ps")
	if r.code != 0 || !line("alive").MatchString(r.stdout) || strings.Contains(r.stdout, "orphaned") {
		t.Errorf("ps printed %q (stderr %q), want tree %s owned by %s alive, with 2 processes", r.stdout, r.stderr, tree, owner)
	}
	var got treeJSON
	// Memory shows once the sleeps have faulted their pages in after exec.
	eventually(t, 10*time.Second, "ps --json shows no memory for the tree", func() bool {
		got = psJSONTree(t, e, tree)
		return got.MemoryBytes > 0
	})
	if !got.OwnerAlive || got.OwnerPID != cmd.Process.Pid || got.Processes != 2 {
		t.Errorf("ps --json: %+v, want owner %s alive, 2 processes", got, owner)
	}

	killGuardianOf(t, cmd.Process.Pid) // or it stops the orphaned tree
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.wait(cmd, 5*time.Second)
	r = e.run("", "ps")
	if r.code != 0 || !line("orphaned").MatchString(r.stdout) || !strings.Contains(r.stdout, "'corral reap'") {
		t.Errorf("ps printed %q (stderr %q), want tree %s owned by %s orphaned, and the reap hint", r.stdout, r.stderr, tree, owner)
	}
	if got := psJSONTree(t, e, tree); got.OwnerAlive || got.OwnerPID != cmd.Process.Pid {
		t.Errorf("ps --json after kill -9 of the owner: %+v, want owner %s not alive", got, owner)
	}
	if len(markedProcs(marker)) < 2 {
		t.Errorf("ps stopped an orphaned tree: it must only observe")
	}
	e.run("", "reap")
}

// psJSONTree runs `corral ps --json` and returns the entry of tree,
// failing the test when there is none.
func psJSONTree(t *testing.T, e *e2e, tree string) treeJSON {
	t.Helper()
	r := e.run("", "ps", "--json")
	var out psJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("ps --json: exit %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
	for _, tj := range out.Trees {
		if tj.Tree == tree {
			return tj
		}
	}
	t.Fatalf("ps --json lists no tree %s: %s", tree, r.stdout)
	return treeJSON{}
}
