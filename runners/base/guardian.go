package base

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/internal/sys"
)

// guardianEnv marks a process as a guardian: its value is
// "<fd>:<owner pid>:<owner start time>", the read end of the owner's pipe
// and the owner's identity. Only a guardian's environment holds it: the
// owner never sets it in its own, so no tree inherits it.
const guardianEnv = "CORRAL_GUARDIAN"

// GuardianEnv is the variable that marks a guardian process (see
// WithGuardian): a caller that adopts orphans, as `corral run` does as a
// child subreaper, tells its guardian from the tree's orphans by it.
const GuardianEnv = guardianEnv

const (
	// guardianOwnerWait bounds how long a guardian waits, after its pipe
	// reached EOF, for the owner to be provably dead (the kernel closes a
	// dying process's files a moment before it becomes a zombie). An
	// owner that closed the pipe and lives on (it exec'd) is not dead: the
	// reap then leaves its trees alone.
	guardianOwnerWait = time.Second
	// guardianReapTimeout bounds a guardian's reap, so that it never
	// lingers: far above the longest reap of one owner's trees (the grace,
	// capped at maxReapGrace, and the kill wait).
	guardianReapTimeout = 5 * time.Minute
)

// init turns a guardian, a re-executed copy of its owner's binary, into
// the guardian loop before the program's main (or TestMain) runs: every
// program that links this package gets this hook, as with the reexec
// pattern. A guardian never returns to main.
func init() {
	if v, ok := os.LookupEnv(guardianEnv); ok {
		os.Exit(guardianMain(v, os.Stderr))
	}
}

// guardianMain is the whole life of a guardian: it blocks until its pipe
// from the owner reaches EOF (the owner died: the kernel closed its
// files), waits for the owner to be provably dead, runs the reaper once
// and exits. The owner releases it with SIGKILL, so it holds nothing that
// must be cleaned up. It ignores the signals a terminal sends to a
// foreground group; it is in a session of its own anyway.
func guardianMain(v string, stderr io.Writer) int {
	fd, owner, err := parseGuardianEnv(v)
	if err != nil {
		fmt.Fprintf(stderr, "corral: %s is set but is not a guardian's (%v); it is corral's own variable, unset it\n", guardianEnv, err)
		return 2
	}
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	waitEOF(fd)
	waitOwnerGone(owner, guardianOwnerWait)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), guardianReapTimeout)
	defer cancel()
	if _, err := Reap(ctx, ReapOptions{Logger: logger}); err != nil {
		logger.Warn("corral: guardian's reap after its owner died", "owner", owner.PID, "err", err)
		return 1
	}
	removeOwnerLock(owner)
	return 0
}

// removeOwnerLock removes the dead owner's lock file, which the reap
// above leaves when something still held the lock as it looked (the
// owner not yet provably dead, or a child of it between fork and exec
// with a copy of the descriptor): it looks again, for at most
// guardianOwnerWait. A lock file left is no danger (the next reap takes
// it away), but the guardian promises to leave nothing.
func removeOwnerLock(owner records.Identity) {
	store, err := records.Open()
	if err != nil {
		return
	}
	deadline := time.Now().Add(guardianOwnerWait)
	for !owner.Alive() && !store.RemoveOwnerLock(owner) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// parseGuardianEnv reads guardianEnv's value.
func parseGuardianEnv(v string) (fd int, owner records.Identity, err error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return 0, owner, errors.New("want FD:PID:START")
	}
	fd, err1 := strconv.Atoi(parts[0])
	pid, err2 := strconv.Atoi(parts[1])
	start, err3 := strconv.ParseUint(parts[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, owner, err
	}
	if fd < 3 || pid <= 0 {
		return 0, owner, errors.New("fd or pid out of range")
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return 0, owner, fmt.Errorf("fd %d is not a pipe", fd)
	}
	return fd, records.Identity{PID: pid, Start: start}, nil
}

// waitEOF reads fd until EOF or an error. The owner never writes to it.
func waitEOF(fd int) {
	var b [16]byte
	for {
		n, err := syscall.Read(fd, b[:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if n <= 0 {
			return
		}
	}
}

// pollOwnerGone polls the owner's identity until it is no longer alive,
// for at most bound: the wait where no pidfd can be had.
func pollOwnerGone(owner records.Identity, bound time.Duration) {
	deadline := time.Now().Add(bound)
	for owner.Alive() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// guardians are this process's guardians, one per corral home it has
// guarded trees in. They are process-wide state on purpose, as the owner
// lock is: a guardian watches the owner process, whatever environment
// started the tree.
var guardians = struct {
	sync.Mutex
	byHome map[string]*guardian
}{byHome: map[string]*guardian{}}

// guardian is one running guardian process, seen from its owner.
type guardian struct {
	cmd   *exec.Cmd
	w     *os.File // the pipe's write end, held by the owner only (O_CLOEXEC)
	mark  string   // its CORRAL_GUARDIAN value, which tells it from any other process
	trees int      // live guarded trees of the owner in this home
}

// acquireGuardian counts one more guarded tree in home, starting the
// home's guardian first when there is none, or the last one died. Call it
// before the tree's record is written; releaseGuardian once the record is
// removed.
func acquireGuardian(home string) error {
	guardians.Lock()
	defer guardians.Unlock()
	g := guardians.byHome[home]
	var live int // trees the guardian being replaced was counting
	if g != nil && g.exited() {
		// Killed from outside: a new one guards every tree of this owner,
		// the old ones included (it reaps all of the owner's records), and
		// so counts them too.
		live = g.trees
		g.end()
		delete(guardians.byHome, home)
		g = nil
	}
	if g == nil {
		var err error
		if g, err = startGuardian(home); err != nil {
			return fmt.Errorf("guardian: %w", err)
		}
		g.trees = live
		guardians.byHome[home] = g
	}
	g.trees++
	return nil
}

// releaseGuardian counts one guarded tree of home less; after the last
// one, the guardian is ended and waited for.
func releaseGuardian(home string) {
	guardians.Lock()
	g := guardians.byHome[home]
	if g == nil {
		guardians.Unlock()
		return
	}
	g.trees--
	if g.trees > 0 {
		guardians.Unlock()
		return
	}
	delete(guardians.byHome, home)
	guardians.Unlock()
	g.end()
}

// startGuardian starts a guardian for home: this binary again, in a
// session of its own (no terminal signal and no signal to the owner's
// group reaches it), in /, with stdin and stdout on /dev/null, and the
// pipe's read end as its only other file.
func startGuardian(home string) (*guardian, error) {
	self, err := records.Self()
	if err != nil {
		return nil, err
	}
	exe, err := selfExecutable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe() // both ends O_CLOEXEC: no tree inherits them
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := &exec.Cmd{
		Path:        exe,
		Args:        []string{"corral-guardian"},
		Env:         guardianEnviron(os.Environ(), home, self),
		Dir:         "/",
		ExtraFiles:  []*os.File{r}, // fd 3
		Stderr:      guardianStderr(),
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	return &guardian{cmd: cmd, w: w, mark: guardianMark(self)}, nil
}

// guardianEnviron is the owner's environment with CORRAL_HOME set to the
// home the owner resolved, and the guardian's variable. CORRAL_TREE, when
// the owner runs inside a tree, is kept: the guardian belongs to that tree
// as the owner does.
func guardianEnviron(environ []string, home string, owner records.Identity) []string {
	env := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, records.HomeEnv+"=") && !strings.HasPrefix(kv, guardianEnv+"=") {
			env = append(env, kv)
		}
	}
	return append(env, records.HomeEnv+"="+home, guardianEnv+"="+guardianMark(owner))
}

// guardianMark is the CORRAL_GUARDIAN value of owner's guardian: its
// pipe's descriptor (3, the first of ExtraFiles) and the owner's identity.
func guardianMark(owner records.Identity) string {
	return fmt.Sprintf("3:%d:%d", owner.PID, owner.Start)
}

// guardianStderr is where a guardian's warnings go: the owner's stderr,
// unless it is a pipe or a socket, whose reader may wait for EOF (a shell's
// $(…), a test reading the owner's output), which a guardian holding it
// would delay until its reap ends. nil is /dev/null.
func guardianStderr() *os.File {
	fi, err := os.Stderr.Stat()
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0 {
		return nil
	}
	return os.Stderr
}

// exited reports whether the guardian has exited. It is our child, not
// yet waited for, so its PID still names it; under `corral run`'s orphan
// reaper it may have been reaped already, and then waitid fails, which
// counts as exited.
func (g *guardian) exited() bool {
	return g.cmd.ProcessState != nil || sys.HasExited(g.cmd.Process.Pid)
}

// end kills the guardian, waits for it and closes the pipe, in that
// order: closed first, the pipe would tell the guardian its owner died.
// The kill goes only to a process proven to be this guardian: pinned by
// a pidfd, still our child, and carrying its mark. Under `corral run`'s
// orphan reaper, which may have reaped the guardian's zombie already,
// its PID may name another process by now; then, or when nothing can be
// proven, the closed pipe ends a guardian still alive instead (it finds
// its owner alive and nothing to reap), and Wait returns at once for one
// reaped already (ECHILD).
func (g *guardian) end() {
	pid := g.cmd.Process.Pid
	self := os.Getpid()
	err := sys.SignalVerified(pid, syscall.SIGKILL, func() bool { return isGuardianOf(pid, self, g.mark) })
	if err != nil {
		g.w.Close()
		g.cmd.Wait()
		return
	}
	g.cmd.Wait()
	g.w.Close()
}

// guard starts the process's guardian if it asked for one: before the
// record is written, so that whenever the owner dies with a record on
// disk, a guardian is there to reap it.
func (proc *NativeProc) guard(home string) error {
	if !proc.guarded {
		return nil
	}
	if err := acquireGuardian(home); err != nil {
		return err
	}
	proc.guardHome = home
	return nil
}

// unguard releases the process's guardian, once its record is removed
// or its start failed.
func (proc *NativeProc) unguard() {
	if proc.guardHome != "" {
		releaseGuardian(proc.guardHome)
		proc.guardHome = ""
	}
}
