package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/corralrun/corral/internal/stop"
)

// walkScript finds the processes of a tree inside the container by their
// environment and signals them. It needs a POSIX sh and nothing else in
// shells whose read has -d (busybox ash, bash, mksh); elsewhere (dash) it
// uses tr and grep. Arguments: the marker "CORRAL_TREE=<id>" and a signal
// name, or 0 to only list. It prints the PIDs it found.
const walkScript = `m=$1 sig=$2 me=$$ found=
if printf 'a\0' | { IFS= read -r -d '' x && [ "$x" = a ]; } 2>/dev/null; then
	has() { while IFS= read -r -d '' v; do [ "$v" = "$m" ] && return 0; done <"$1"; return 1; }
else
	has() { tr '\0' '\n' <"$1" | grep -qxF -e "$m"; }
fi
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	[ "$p" = "$me" ] && continue
	has "$d/environ" 2>/dev/null || continue
	found="$found $p"
done
[ -n "$found" ] || exit 0
echo $found
[ "$sig" = 0 ] || kill -s "$sig" $found 2>/dev/null
exit 0`

// ErrNoShell is wrapped by the error of a stop in a container
// whose image has no /bin/sh: corral finds a process tree inside the
// container with a small sh script, so images must provide a POSIX sh.
var ErrNoShell = errors.New("docker: the image has no /bin/sh, which corral needs to find and stop process trees in the container")

// walkTimeout bounds one walk of the container's processes.
const walkTimeout = 10 * time.Second

// treeTarget is one exec's process tree inside a container, for the stop
// sequence (internal/stop). Every call is one exec of walkScript, as root
// so that it can see and signal every process of the tree whatever user
// it runs as. A container that is gone or no longer running holds no
// process: the tree is empty.
//
// A tree is empty only once its leader's attach stream ended (leaderDone)
// and a walk finds none of it: the engine answers the exec's start before
// the process runs, so a walk just after Start could find nothing of a
// process that is about to run.
type treeTarget struct {
	eng        *engine
	ctrID      string
	marker     string          // CORRAL_TREE=<id>
	leaderDone <-chan struct{} // closed when the exec's streams ended; nil: not awaited
	agents     *agents         // the container's walk agent; nil: an exec per walk
}

var _ stop.Target = (*treeTarget)(nil)

func (t *treeTarget) Signal(sig syscall.Signal) error {
	_, err := t.walk(signalName(sig))
	return err
}

func (t *treeTarget) Kill() error { return t.Signal(syscall.SIGKILL) }

func (t *treeTarget) Empty() (bool, error) {
	if t.leaderDone != nil {
		select {
		case <-t.leaderDone:
		default:
			return false, nil
		}
	}
	pids, err := t.walk("0")
	return err == nil && len(pids) == 0, err
}

// walk runs the script and returns the PIDs (in the container's PID
// namespace) it found and signalled.
func (t *treeTarget) walk(sig string) ([]string, error) {
	if t.agents != nil {
		pids, err := t.agents.walk(t.eng, t.ctrID, t.marker, sig)
		if err == nil {
			return pids, nil
		}
		// The agent could not serve (not started, stopped, the container
		// gone): one exec answers instead, and says why if it cannot.
	}
	ctx, cancel := context.WithTimeout(context.Background(), walkTimeout)
	defer cancel()
	out, stderr, code, err := t.eng.quickExec(ctx, t.ctrID, "0", nil, "/bin/sh", "-c", walkScript, "corral-tree", t.marker, sig)
	switch {
	case err != nil && (cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err)):
		return nil, nil // no container, or not running: no process left
	case err != nil:
		return nil, t.eng.apiError("find the process tree", err)
	case code == 126 || code == 127:
		return nil, fmt.Errorf("%w (exit status %d: %s)", ErrNoShell, code, strings.TrimSpace(string(out)+string(stderr)))
	case code != 0:
		return nil, fmt.Errorf("docker: process tree walk: exit status %d: %s", code, strings.TrimSpace(string(stderr)))
	}
	return strings.Fields(string(out)), nil
}

// signalName is the name kill -s takes: "TERM" for SIGTERM.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "TERM"
	case syscall.SIGKILL:
		return "KILL"
	case syscall.SIGCONT:
		return "CONT"
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGHUP:
		return "HUP"
	case syscall.SIGQUIT:
		return "QUIT"
	case syscall.SIGUSR1:
		return "USR1"
	case syscall.SIGUSR2:
		return "USR2"
	case syscall.SIGALRM:
		return "ALRM"
	case syscall.SIGWINCH:
		return "WINCH"
	case syscall.SIGPIPE:
		return "PIPE"
	}
	return fmt.Sprint(int(sig))
}
