//go:build linux

package base

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/resources"
)

// This file holds the processes of the fault-injection suite
// (fault_linux_test.go) and the tools the suite uses to drive and count
// them. Every helper is this test binary re-executed (see main_test.go).

// faultMarkEnv marks every process of one fault-injection run, so that a
// survivor is found by its environment whatever it did with its process
// group, session or parent. The marker is given to the tree by the owner
// with WithEnvironmentVariables, never to the owner itself, so a killed
// owner is never counted.
const faultMarkEnv = "CORRAL_FAULT_MARK"

// faultGuardEnv, set to 1 in a fault-owner's environment, makes it start
// its trees with a guardian (WithGuardian).
const faultGuardEnv = "CORRAL_FAULT_GUARD"

// faultGrace is the grace period of every tree the suite starts: short, so
// that reaping a tree holding a SIGTERM-ignoring process stays quick.
const faultGrace = 100 * time.Millisecond

func init() {
	helpers["fault-owner"] = faultOwner
	helpers["fault-tree-leader"] = faultTreeLeader
	helpers["fault-sleeper"] = func([]string) int {
		fmt.Println("ready")
		time.Sleep(time.Hour)
		return 0
	}
	helpers["fault-ignore-term"] = func([]string) int {
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		time.Sleep(time.Hour)
		return 0
	}
	helpers["fault-double-fork"] = faultDoubleFork
	helpers["fault-victim"] = faultVictim
	helpers["fault-reaper"] = faultReaper
}

// faultOwner is a supervisor that the test SIGKILLs.
//
//	fault-owner tree MARKER     one tree of five processes (faultTreeLeader)
//	fault-owner many MARKER N   N trees of one `sleep` each
//
// It prints "starting" just before the first Start, "ready" once every
// tree runs, then sleeps until it is killed. With faultGuardEnv=1 its
// trees have a guardian.
func faultOwner(args []string) int {
	if len(args) < 2 || (args[0] == "many" && len(args) < 3) {
		fmt.Fprintln(os.Stderr, "usage: fault-owner tree|many MARKER [N]")
		return 2
	}
	ctx := context.Background()
	env, err := NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	env.WithGracePeriod(faultGrace)
	env.WithLogger(slog.New(slog.DiscardHandler))
	env.WithGuardian(os.Getenv(faultGuardEnv) == "1")
	env.WithEnvironmentVariables(ctx, resources.Env(faultMarkEnv, args[1]))
	switch args[0] {
	case "tree":
		err = faultOwnTree(ctx, env)
	case "many":
		n, _ := strconv.Atoi(args[2])
		err = faultOwnSleepers(ctx, env, n)
	default:
		err = fmt.Errorf("unknown mode %q", args[0])
	}
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready")
	time.Sleep(time.Hour)
	return 0
}

func faultOwnTree(ctx context.Context, env *NativeEnvironment) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	p, err := env.NewProcess(exe)
	if err != nil {
		return err
	}
	p.WithEnvironmentVariables(ctx, resources.Env(helperEnv, "fault-tree-leader"))
	ready := newFaultLineSignal("tree-ready")
	p.WithOutput(ready)
	fmt.Println("starting")
	if err := p.Start(ctx); err != nil {
		return err
	}
	select {
	case <-ready.seen:
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("tree not ready after 30s")
	}
}

func faultOwnSleepers(ctx context.Context, env *NativeEnvironment, n int) error {
	fmt.Println("starting")
	for range n {
		p, err := env.NewProcess("sleep", "3600")
		if err != nil {
			return err
		}
		if err := p.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// faultLineSignal is an output writer that closes seen once a line equal to
// want (newline aside) was written.
type faultLineSignal struct {
	want string
	once sync.Once
	seen chan struct{}
}

func newFaultLineSignal(want string) *faultLineSignal {
	return &faultLineSignal{want: want, seen: make(chan struct{})}
}

func (l *faultLineSignal) Write(b []byte) (int, error) {
	if strings.TrimSpace(string(b)) == l.want {
		l.once.Do(func() { close(l.seen) })
	}
	return len(b), nil
}

// faultTreeLeader is the leader of a five-process tree: itself, a child
// that ignores SIGTERM, one that runs in a session of its own (setsid),
// one that double-forks (starts a grandchild in a new session and exits),
// and a plain sleeper. It prints "tree-ready" once all of them run.
func faultTreeLeader([]string) int {
	kids := []struct {
		helper string
		setsid bool
	}{
		{"fault-ignore-term", false},
		{"fault-sleeper", true}, // the setsid escaper
		{"fault-double-fork", false},
		{"fault-sleeper", false},
	}
	errs := make([]error, len(kids))
	var wg sync.WaitGroup
	for i, k := range kids {
		wg.Go(func() { _, errs[i] = faultStartReadyChild(k.helper, k.setsid) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("tree-ready")
	time.Sleep(time.Hour)
	return 0
}

// faultDoubleFork starts a grandchild in a session of its own and exits
// once it runs, leaving it orphaned, as a daemon does.
func faultDoubleFork([]string) int {
	if _, err := faultStartReadyChild("fault-sleeper", true); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready")
	return 0
}

// faultStartReadyChild starts the helper as a child, never waited for, and
// returns once it printed "ready".
func faultStartReadyChild(helper string, setsid bool) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"="+helper)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		return nil, fmt.Errorf("%s: not ready: %q %v", helper, line, err)
	}
	return cmd, nil
}

// faultVictim is a process the reaper must never touch. It records any
// signal it can catch in the file args[0] and exits with code 77; a
// SIGKILL shows as its death.
func faultVictim(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: fault-victim SIGNAL-FILE")
		return 2
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGCONT, syscall.SIGTSTP)
	fmt.Println("ready")
	sig := <-c
	os.WriteFile(args[0], []byte(sig.String()+"\n"), 0o644)
	return 77
}

// faultReaperResult is what fault-reaper prints, as one JSON line.
type faultReaperResult struct {
	Reaped   []string `json:"reaped"`
	SetAside int      `json:"setAside"`
	Err      string   `json:"err,omitempty"`
}

// faultReaper runs Reap once and prints a faultReaperResult. With "wait" it
// first prints "ready" and waits for a line on stdin, so that several
// reapers can be released at once. It exits 1 when Reap fails; a panic
// would exit 2.
func faultReaper(args []string) int {
	if len(args) > 0 && args[0] == "wait" {
		fmt.Println("ready")
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return 3
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Reap(ctx, ReapOptions{Logger: slog.New(slog.DiscardHandler)})
	var res faultReaperResult
	if rep != nil {
		for _, r := range rep.Reaped {
			res.Reaped = append(res.Reaped, r.Tree)
		}
		res.SetAside = len(rep.SetAside)
	}
	if err != nil {
		res.Err = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	if err != nil {
		return 1
	}
	return 0
}

// ---- the test side ----

// faultRaceEnv makes a race-enabled helper exit at once instead of sleeping a
// second at exit to collect reports.
func faultRaceEnv() string {
	v := os.Getenv("GORACE")
	if strings.Contains(v, "atexit_sleep_ms") {
		return v
	}
	return strings.TrimSpace(v + " atexit_sleep_ms=0")
}

// faultProc is a helper process started by the test itself, with its
// stdout read line by line.
type faultProc struct {
	cmd   *exec.Cmd
	lines chan string // closed at EOF
	out   *os.File
	done  chan struct{} // closed once reaped
	err   error         // cmd.Wait's result, after done
	tail  []string      // lines left unread when it was killed
}

type faultProcOpts struct {
	exe   string // default: this test binary
	env   []string
	attr  *syscall.SysProcAttr
	stdin io.Reader
}

// startFaultHelper starts this test binary as helper name with args. The
// process is SIGKILLed and reaped at the end of the test at the latest.
func startFaultHelper(t testing.TB, name string, o faultProcOpts, args ...string) *faultProc {
	t.Helper()
	exe := o.exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+name, "GORACE="+faultRaceEnv())
	cmd.Env = append(cmd.Env, o.env...)
	cmd.SysProcAttr = o.attr
	cmd.Stdin = o.stdin
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &faultLimitedBuffer{b: &stderr, max: 8 << 10}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		t.Fatalf("start helper %s: %v", name, err)
	}
	w.Close()
	h := &faultProc{cmd: cmd, lines: make(chan string, 16), out: r, done: make(chan struct{})}
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
	}()
	go func() {
		h.err = cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(h.kill)
	return h
}

// faultLimitedBuffer keeps the first max bytes written to it.
type faultLimitedBuffer struct {
	mu  sync.Mutex
	b   *bytes.Buffer
	max int
}

func (l *faultLimitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (h *faultProc) pid() int { return h.cmd.Process.Pid }

// await waits for a line equal to want and returns the lines before it.
func (h *faultProc) await(ctx context.Context, want string) ([]string, error) {
	var before []string
	for {
		select {
		case line, ok := <-h.lines:
			if !ok {
				return before, fmt.Errorf("helper %d ended before %q (saw %q)", h.pid(), want, before)
			}
			if line == want {
				return before, nil
			}
			before = append(before, line)
		case <-ctx.Done():
			return before, fmt.Errorf("helper %d: waiting for %q: %w (saw %q)", h.pid(), want, ctx.Err(), before)
		}
	}
}

// kill SIGKILLs the helper and reaps it; its stdout reader ends too, and
// the lines nobody read are kept in tail.
func (h *faultProc) kill() {
	select {
	case <-h.done:
	default:
		h.cmd.Process.Kill()
		<-h.done
	}
	// The helper is gone: its stdout reaches EOF unless a process it
	// started kept a copy, which none of ours does; bound the wait anyway.
	timeout := time.NewTimer(time.Second)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-h.lines:
			if !ok {
				h.out.Close()
				return
			}
			h.tail = append(h.tail, line)
		case <-timeout.C:
			h.out.Close()
			for range h.lines {
			}
			return
		}
	}
}

// wait waits for the helper to exit by itself, for at most d.
func (h *faultProc) wait(d time.Duration) (exitCode int, err error) {
	select {
	case <-h.done:
	case <-time.After(d):
		h.kill()
		return -1, fmt.Errorf("helper %d still running after %v", h.pid(), d)
	}
	return h.cmd.ProcessState.ExitCode(), nil
}

// faultMarked lists the live processes (zombies excluded) whose
// initial environment holds faultMarkEnv=marker.
func faultMarked(marker string) []int { return procfs.PIDsWithEnv(faultMarkEnv + "=" + marker) }

// faultSurvivors polls, for at most d, until no process carries marker, and
// returns those still alive then, described.
func faultSurvivors(marker string, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		pids := faultMarked(marker)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var out []string
			for _, pid := range pids {
				out = append(out, faultDescribe(pid))
			}
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// faultKillMarked SIGKILLs every process carrying marker, for cleanup.
func faultKillMarked(marker string) {
	for range 10 {
		pids := faultMarked(marker)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func faultDescribe(pid int) string {
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return fmt.Sprintf("pid %d (gone)", pid)
	}
	helper := ""
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ"); err == nil {
		for _, kv := range bytes.Split(b, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte(helperEnv+"=")); ok {
				helper = string(v)
			}
		}
	}
	cg, _ := cgroup.Own(strconv.Itoa(pid))
	return fmt.Sprintf("pid %d %s helper=%s state=%c ppid=%d pgid=%d cgroup=%s", pid, st.Comm, helper, st.State, st.PPID, st.PGID, cg)
}

// faultSharedExe copies this test binary into a world-readable directory, so
// that helpers can run as another user (the go build directory is 0700),
// and returns its path and a world-writable scratch directory.
func faultSharedExe(t *testing.T) (exe, scratch string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "corral-fault-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe = filepath.Join(dir, "fault.test")
	if err := faultCopyFile(self, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	scratch = filepath.Join(dir, "scratch")
	if err := os.Mkdir(scratch, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(scratch, 0o777); err != nil { // umask aside
		t.Fatal(err)
	}
	return exe, scratch
}

func faultCopyFile(from, to string, mode os.FileMode) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

// faultNobody is the user the suite runs foreign processes as.
var faultNobody = &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}

// reaperResult reads the result a fault-reaper prints and waits for it to
// exit, for at most 30 s.
func (h *faultProc) reaperResult(ctx context.Context) (faultReaperResult, int, error) {
	var last string
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
read:
	for {
		select {
		case line, ok := <-h.lines:
			if !ok {
				break read
			}
			last = line
		case <-timeout.C:
			h.kill()
			return faultReaperResult{}, -1, errors.New("reaper still running after 30s")
		case <-ctx.Done():
			h.kill()
			return faultReaperResult{}, -1, ctx.Err()
		}
	}
	code, err := h.wait(30 * time.Second)
	var out faultReaperResult
	if err == nil {
		err = json.Unmarshal([]byte(last), &out)
		if err != nil {
			err = fmt.Errorf("reaper said %q: %w", last, err)
		}
	}
	return out, code, err
}
