package proctest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// Members of a tree, as treeScript names them.
const (
	leader  = "leader"  // the proc's own process
	child   = "child"   // a child of the leader
	ignorer = "ignorer" // a child that ignores SIGTERM
	session = "session" // a child in a session of its own (setsid, where the backend has it)
	orphan  = "orphan"  // a grandchild whose parent exited: reparented away from the leader
	deep    = "deep"    // a grandchild in a session of its own that ignores SIGTERM, under deepParent
	// deepParent is deep's parent, a child of the leader that stays;
	// started with deep, never asked for alone.
	deepParent = "deep-parent"
)

// treeScript starts a tree: $1 is the directory its members report into,
// $2 "stay" (the leader then sleeps) or "exit" (the leader exits once its
// tree is ready), then the members to start. Each member writes its PID
// to DIR/<member>.pid (a temporary file renamed into place, so a reader
// never sees half a PID) and then execs sleep, keeping that PID; a member
// that ignores SIGTERM ignores it before exec, and sleep inherits the
// ignored disposition (execve(2)); deep's parent reports itself as
// deep-parent. The leader reports itself last, once
// every member has reported: leader.pid means the whole tree is up.
const treeScript = `d=$1 mode=$2
shift 2
m='echo $$ >"$0.tmp" && mv "$0.tmp" "$0.pid" && exec "$@"'
for k do
	case $k in
	child) sh -c "$m" "$d/child" sleep 3600 & ;;
	ignorer) (trap '' TERM; exec sh -c "$m" "$d/ignorer" sleep 3600) & ;;
	session)
		if command -v setsid >/dev/null 2>&1; then
			setsid sh -c "$m" "$d/session" sleep 3600 &
		else
			sh -c "$m" "$d/session" sleep 3600 &
		fi ;;
	orphan) (sh -c "$m" "$d/orphan" sleep 3600 &) ;;
	deep)
		s=
		command -v setsid >/dev/null 2>&1 && s=setsid
		sh -c "$m" "$d/deep-parent" sh -c '(trap "" TERM; exec $1 sh -c "$2" "$3" sleep 3600) & wait' \
			sh "$s" "$m" "$d/deep" & ;;
	*) echo "tree: unknown member $k" >&2; exit 2 ;;
	esac
done
for k do
	while [ ! -e "$d/$k.pid" ]; do sleep 0.01; done
done
echo $$ >"$d/leader.tmp" && mv "$d/leader.tmp" "$d/leader.pid"
[ "$mode" = exit ] && exit 0
exec sleep 3600
`

// aliveScript prints those of its arguments after the first that are
// PIDs of live processes of the test: $1 is "list" or "kill" (then it
// also SIGKILLs them), $2 the test's marker, "PROCTEST_MARK=…". A zombie
// counts as gone: it has exited and only waits for its parent. Where
// /proc is mounted, a process whose environment does not hold the marker
// is not the test's (its PID was recycled). An empty environment cannot
// be judged (execve(2) empties it for a moment, while the new image is
// set up): such a process counts as alive but is not killed. Without
// /proc, ps(1) gives the state and the marker cannot be checked: nothing
// is killed. Its stderr is discarded (a process may vanish while it is
// looked at): its output is PIDs only.
const aliveScript = `exec 2>/dev/null
op=$1 m=$2
shift 2
for p do
	[ "$p" = "$$" ] && continue
	kill -0 "$p" || continue
	if [ -d "/proc/$p" ]; then
		read -r s <"/proc/$p/stat" || continue
		s=${s##*) }
		case $s in Z*|X*) continue ;; esac
		e=$(tr '\000' '\n' <"/proc/$p/environ")
		if [ -n "$e" ]; then
			printf '%s\n' "$e" | grep -qxF "$m" || continue
			[ "$op" = kill ] && kill -KILL "$p"
		fi
	else
		s=$(ps -o stat= -p "$p") || continue
		case $s in Z*|"") continue ;; esac
	fi
	echo "$p"
done
`

// tree is a proc running treeScript.
type tree struct {
	base.Proc
	f       *fixture
	dir     string
	members []string // leader first
	out     *recorder
}

var treeSeq atomic.Int64

// newTree returns a proc, not started, running a tree of the given
// members; with leaderExits the leader exits once they are all up.
func (f *fixture) newTree(leaderExits bool, members ...string) *tree {
	f.t.Helper()
	dir := filepath.Join(f.dir, fmt.Sprintf("tree-%d", treeSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	mode := "stay"
	if leaderExits {
		mode = "exit"
	}
	tr := &tree{f: f, dir: dir, members: append([]string{leader}, members...), out: &recorder{}}
	if slices.Contains(members, deep) {
		tr.members = append(tr.members, deepParent)
	}
	tr.Proc = f.sh(treeScript, append([]string{dir, mode}, members...)...)
	tr.WithOutput(tr.out)
	return tr
}

// startTree starts a tree of the given members and waits until it is up.
func (f *fixture) startTree(members ...string) (*tree, map[string]int) {
	f.t.Helper()
	tr := f.newTree(false, members...)
	if err := tr.Start(f.ctx); err != nil {
		f.t.Fatalf("Start: %v", err)
	}
	return tr, tr.ready()
}

// ready waits until every member has reported and returns their PIDs,
// checked alive through the backend.
func (tr *tree) ready() map[string]int {
	tr.f.t.Helper()
	if !tr.f.waitFor(func() bool { return fileExists(filepath.Join(tr.dir, leader+".pid")) }) {
		tr.f.t.Fatalf("tree %v not up before the deadline; its output: %q", tr.members, tr.out.all())
	}
	pids := tr.pids()
	if live := tr.f.alive(tr.f.ctx, values(pids)...); len(live) != len(pids) {
		tr.f.t.Fatalf("tree %v reported PIDs %v, but only %v are live processes of the test", tr.members, pids, live)
	}
	return pids
}

// pids reads the PIDs the members reported.
func (tr *tree) pids() map[string]int {
	tr.f.t.Helper()
	pids := map[string]int{}
	for _, m := range tr.members {
		pid, err := readPID(filepath.Join(tr.dir, m+".pid"))
		if err != nil {
			tr.f.t.Fatalf("member %s: %v", m, err)
		}
		pids[m] = pid
	}
	return pids
}

// requireGone fails the test if any of pids is still a live process.
func (f *fixture) requireGone(when string, pids map[string]int) {
	f.t.Helper()
	if live := f.alive(f.ctx, values(pids)...); len(live) > 0 {
		f.t.Fatalf("%s: processes left: %s", when, describe(pids, live))
	}
}

// alive asks the backend, in a new process of the environment, which of
// pids are live processes of this test.
func (f *fixture) alive(ctx context.Context, pids ...int) []int {
	f.t.Helper()
	live, err := f.askAlive(ctx, "list", pids)
	if err != nil {
		f.t.Fatalf("liveness check: %v", err)
	}
	return live
}

func (f *fixture) askAlive(ctx context.Context, op string, pids []int) ([]int, error) {
	args := []string{op, f.mark}
	for _, pid := range pids {
		args = append(args, strconv.Itoa(pid))
	}
	p := f.shUnmarked(aliveScript, args...)
	rec := &recorder{}
	p.WithOutput(rec)
	if err := p.Run(ctx); err != nil {
		return nil, fmt.Errorf("%w (output %q)", err, rec.all())
	}
	var live []int
	for _, line := range rec.all() {
		pid, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			return nil, fmt.Errorf("unexpected output %q", rec.all())
		}
		live = append(live, pid)
	}
	return live, nil
}

// killLeftovers runs when the test ends, after the Stop of each of its
// procs: a process that reported itself and still lives is a leak. It is
// killed, so that it does not outlive the test, and the test fails.
func (f *fixture) killLeftovers() {
	var pids []int
	filepath.WalkDir(f.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".pid") {
			if pid, err := readPID(path); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	if len(pids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	left, err := f.askAlive(ctx, "kill", pids)
	if err != nil {
		f.t.Errorf("check for processes left behind: %v", err)
	}
	if len(left) == 0 {
		return
	}
	f.t.Errorf("processes left behind by the test, now killed: %v", left)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		still, err := f.askAlive(ctx, "list", left)
		if err != nil || len(still) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			f.t.Errorf("processes that survived SIGKILL: %v", still)
			return
		case <-tick.C:
		}
	}
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("%s holds %q, not a PID", path, b)
	}
	return pid, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// values returns the PIDs of a member map.
func values(pids map[string]int) []int {
	out := make([]int, 0, len(pids))
	for _, pid := range pids {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

// describe names the members among pids whose PID is in live.
func describe(pids map[string]int, live []int) string {
	var out []string
	for m, pid := range pids {
		if slices.Contains(live, pid) {
			out = append(out, fmt.Sprintf("%s (%d)", m, pid))
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
