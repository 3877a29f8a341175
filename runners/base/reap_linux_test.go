package base

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
	"golang.org/x/sys/unix"
)

func init() {
	// reap-owner supervises trees and waits to be killed: args are the
	// containment ("cgroup" or "pgroup") and what to start: "tree" (a
	// tree with escapers), "nested" (a tree whose leader is itself a
	// reap-owner of a tree), "external" (a group recorded with
	// WritePgidFile), "hopper" (a tree with a PID-hopping descendant).
	helpers["reap-owner"] = func(args []string) int {
		if err := runReapOwner(args[0], args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "reap-owner:", err)
			return 1
		}
		fmt.Println("ready")
		select {}
	}
}

func runReapOwner(containment, what string) error {
	ctx := context.Background()
	env, err := NewNativeEnvironment(ctx, ".")
	if err != nil {
		return err
	}
	if containment == string(ContainmentPgroup) {
		env.containment = Containment{Kind: ContainmentPgroup}
	}
	env.WithGracePeriod(100 * time.Millisecond)
	var p Proc
	switch what {
	case "tree":
		p, err = env.NewProcess(os.Args[0], "ignore", "setsid", "doublefork", "sleep")
		if err == nil {
			p.WithEnvironmentVariables(ctx, resources.Env(helperEnv, "proc-tree"))
		}
	case "hopper":
		p, err = env.NewProcess("/bin/sh", "-c", hopScript)
	case "nested":
		p, err = env.NewProcess(os.Args[0], containment, "tree")
		if err == nil {
			p.WithEnvironmentVariables(ctx, resources.Env(helperEnv, "reap-owner"))
		}
	case "external":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"=proc-hang")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			return err
		}
		return WritePgidFile(cmd.Process.Pid, "/", []string{os.Args[0], "secret"})
	}
	if err != nil {
		return err
	}
	out, err := p.StdoutPipe()
	if err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		return fmt.Errorf("tree said %q, %v", line, err)
	}
	return nil
}

// startOwner starts a reap-owner, waits for it to be ready and returns
// it; the test then kills it to orphan its trees.
func startOwner(t *testing.T, mark, containment, what string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], containment, what)
	cmd.Env = append(os.Environ(), helperEnv+"=reap-owner", markEnv+"="+mark, "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("owner said %q, %v", line, err)
	}
	return cmd
}

func killOwner(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Kill()
	cmd.Wait()
}

func TestReapOrphanedTrees(t *testing.T) {
	tests := []struct {
		what       string
		procs      int // marked processes while the owner lives, owner included
		wantReaped int
	}{
		{"tree", 6, 1},
		{"nested", 7, 2},
		{"external", 2, 1},
	}
	for _, containment := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		for _, tt := range tests {
			if containment == ContainmentPgroup && tt.what == "external" {
				continue // external records do not depend on the containment
			}
			t.Run(string(containment)+"/"+tt.what, func(t *testing.T) {
				if containment == ContainmentCgroup && probeContainment().Kind != ContainmentCgroup {
					requireOrSkip(t, "no writable cgroup here")
				}
				t.Setenv(records.HomeEnv, t.TempDir())
				mark := newMark(t)
				owner := startOwner(t, mark, string(containment), tt.what)
				waitMarked(t, mark, tt.procs)

				// While the owner lives, nothing is reaped.
				report, err := Reap(testCtx(t), ReapOptions{})
				if err != nil || len(recordedOnly(report.Reaped)) != 0 {
					t.Fatalf("Reap with a live owner = %+v, %v", report, err)
				}
				killOwner(t, owner)
				var mu sync.Mutex
				stopping := map[string]StoppingTree{}
				report, err = Reap(testCtx(t), ReapOptions{Stopping: func(st StoppingTree) {
					mu.Lock()
					defer mu.Unlock()
					stopping[st.Tree] = st
				}})
				if err != nil {
					t.Fatal(err)
				}
				if len(recordedOnly(report.Reaped)) != tt.wantReaped || len(report.SetAside) != 0 {
					t.Fatalf("Reap = %+v, want %d trees reaped", report, tt.wantReaped)
				}
				// Each reaped tree with processes was announced before its
				// stop, with its dead owner and what was found.
				for _, rt := range recordedOnly(report.Reaped) {
					if rt.Signalled == 0 {
						continue
					}
					st, ok := stopping[rt.Tree]
					if !ok || st.Owner != rt.Owner || st.Processes != rt.Signalled || st.Grace <= 0 {
						t.Errorf("Stopping for tree %s = %+v (announced: %v), want owner %d, %d processes and a grace period", rt.Tree, st, ok, rt.Owner, rt.Signalled)
					}
				}
				if left := markedPids(mark); len(left) > 0 {
					t.Fatalf("processes left after Reap returned: %v", left)
				}
				store, _ := records.Open()
				if names, _ := store.Names(); len(names) != 0 {
					t.Fatalf("records left after Reap: %v", names)
				}
			})
		}
	}
}

// recordedOnly leaves out unrecorded cgroups: cgroups are machine-wide,
// and other tests' leftovers may be swept by any test's Reap.
func recordedOnly(trees []ReapedTree) []ReapedTree {
	var out []ReapedTree
	for _, t := range trees {
		if !t.Unrecorded {
			out = append(out, t)
		}
	}
	return out
}

func TestRemovePgidFile(t *testing.T) {
	t.Setenv(records.HomeEnv, t.TempDir())
	if err := WritePgidFile(os.Getpid(), "/", []string{"self"}); err != nil {
		t.Fatal(err)
	}
	store, _ := records.Open()
	if names, _ := store.Names(); len(names) != 1 {
		t.Fatalf("records %v after WritePgidFile", names)
	}
	if err := RemovePgidFile(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if names, _ := store.Names(); len(names) != 0 {
		t.Fatalf("records %v after RemovePgidFile", names)
	}
	if err := RemovePgidFile(os.Getpid()); err != nil {
		t.Fatalf("second RemovePgidFile = %v", err)
	}
	if err := WritePgidFile(0, "/", nil); err == nil {
		t.Fatal("WritePgidFile(0) succeeded")
	}
}

// A tree cgroup that no record names, whose owner (named in the cgroup's
// name) is dead, is stopped and removed; one whose owner lives is not.
func TestReapUnrecordedCgroup(t *testing.T) {
	c := probeContainment()
	if c.Kind != ContainmentCgroup {
		requireOrSkip(t, "no writable cgroup here")
	}
	t.Setenv(records.HomeEnv, t.TempDir())
	deadID := faultDeadIdentity(t)
	self, _ := records.Self()
	mark := newMark(t)
	home := os.Getenv(records.HomeEnv)
	orphan := newCgroupTree(records.CgroupPath(c.Where, home, records.TreeID(deadID, 1)))
	alive := newCgroupTree(records.CgroupPath(c.Where, home, records.TreeID(self, treeSeq.Add(1))))
	for _, tr := range []*cgroupTree{orphan, alive} {
		if err := tr.create(); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sleep", "300")
		cmd.Env = append(os.Environ(), markEnv+"="+mark)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: tr.fd, Setpgid: true} // a group of its own, as a tree has: the reaper shields its own group
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tr.started(cmd.Process.Pid)
		go cmd.Wait()
	}
	t.Cleanup(func() {
		cgroup.Kill(alive.path)
		pollUntil(context.Background(), 5*time.Second, func() bool { e, _ := cgroup.Empty(alive.path); return e })
		alive.release()
	})
	waitMarked(t, mark, 2)
	report, err := Reap(testCtx(t), ReapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tr := range report.Reaped {
		found = found || (tr.Tree == filepath.Base(orphan.path) && tr.Signalled == 1 && tr.Unrecorded)
	}
	if !found {
		t.Fatalf("Reap = %+v, want the orphan cgroup reaped", report)
	}
	if pathExists(orphan.path) || !pathExists(alive.path) {
		t.Fatalf("after Reap: orphan cgroup exists %v, live owner's cgroup exists %v", pathExists(orphan.path), pathExists(alive.path))
	}
	if n := len(markedPids(mark)); n != 1 {
		t.Fatalf("%d marked processes after Reap, want the live owner's one", n)
	}
}

// What an interrupted write leaves, a stale temporary file, is removed.
func TestReapRemovesStaleTemps(t *testing.T) {
	t.Setenv(records.HomeEnv, t.TempDir())
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(store.Dir(), ".tmp-1"), filepath.Join(store.Dir(), ".tmp-2")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	if _, err := Reap(testCtx(t), ReapOptions{}); err != nil {
		t.Fatal(err)
	}
	if pathExists(stale) || !pathExists(fresh) {
		t.Fatalf("stale temp exists %v, fresh temp exists %v; want false, true", pathExists(stale), pathExists(fresh))
	}
}

func init() {
	// ns-owner is a reap-owner that is the first process of a PID
	// namespace of its own, with its own /proc.
	helpers["ns-owner"] = func(args []string) int {
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			fmt.Fprintln(os.Stderr, "ns-owner: private mounts:", err)
			return 1
		}
		if err := syscall.Mount("proc", "/proc", "proc", 0, ""); err != nil {
			fmt.Fprintln(os.Stderr, "ns-owner: mount /proc:", err)
			return 1
		}
		return helpers["reap-owner"](args)
	}
	// ns-init is the first process of a PID namespace that outlives the
	// owner it runs: it starts a reap-owner child with args, says
	// "ready" once the owner is, then, at a line on stdin, SIGKILLs the
	// owner, says "killed" and stays.
	helpers["ns-init"] = func(args []string) int {
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			return 1
		}
		if err := syscall.Mount("proc", "/proc", "proc", 0, ""); err != nil {
			return 1
		}
		owner := exec.Command(os.Args[0], args...)
		owner.Env = append(os.Environ(), helperEnv+"=reap-owner")
		owner.Stderr = os.Stderr
		out, err := owner.StdoutPipe()
		if err != nil || owner.Start() != nil {
			return 1
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			return 1
		}
		fmt.Println("ready")
		bufio.NewReader(os.Stdin).ReadString('\n')
		owner.Process.Kill()
		owner.Wait()
		fmt.Println("killed")
		select {}
	}
}

// An owner in another PID namespace is alive even though its PID names
// nothing here: a reaper outside leaves its trees alone.
func TestReapLeavesOtherPIDNamespaces(t *testing.T) {
	if os.Getuid() != 0 {
		requireOrSkip(t, "needs root for a PID namespace")
	}
	for _, containment := range []string{string(ContainmentCgroup), string(ContainmentPgroup)} {
		t.Run(containment, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv(records.HomeEnv, home)
			mark := newMark(t)
			cmd := exec.Command(os.Args[0], containment, "tree")
			cmd.Env = append(os.Environ(), helperEnv+"=ns-owner", markEnv+"="+mark, "GORACE=atexit_sleep_ms=0")
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				cmd.Process.Kill() // the namespace's first process: the kernel kills the rest
				cmd.Wait()
				if c := probeContainment(); c.Kind == ContainmentCgroup {
					dir := filepath.Dir(records.CgroupPath(c.Where, home, "x"))
					pollUntil(context.Background(), 5*time.Second, func() bool { e, _ := cgroup.Empty(dir); return e })
					cgroup.Remove(dir)
				}
			})
			if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
				t.Fatalf("owner said %q, %v", line, err)
			}
			before := len(waitMarked(t, mark, 6))
			report, err := Reap(testCtx(t), ReapOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(report.Reaped) != 0 || len(report.SetAside) != 0 {
				t.Fatalf("Reap acted on another PID namespace's live tree: %+v", report)
			}
			if after := len(markedPids(mark)); after != before {
				t.Fatalf("%d of %d marked processes left after Reap", after, before)
			}

			// The namespace dies with its first process, and its tree with
			// it. Once the record is old enough, the reaper forgets it.
			cmd.Process.Kill()
			cmd.Wait()
			if left := waitMarkedGone(mark, 10*time.Second); len(left) > 0 {
				t.Fatalf("namespace's processes still alive: %v", left)
			}
			store, _ := records.Open()
			names, _ := store.Names()
			var recs []*records.Record
			for _, name := range names {
				rec, err := store.Read(name)
				if err != nil {
					t.Fatal(err)
				}
				rec.Created = rec.Created.Add(-2 * records.ForeignGoneAge)
				if err := store.Write(rec); err != nil {
					t.Fatal(err)
				}
				recs = append(recs, rec)
			}
			if len(recs) != 1 {
				t.Fatalf("records %v, want the namespace's one", names)
			}
			report, err = Reap(testCtx(t), ReapOptions{})
			if err != nil || len(report.Reaped) != 1 || report.Reaped[0].Signalled != 0 {
				t.Fatalf("Reap after the namespace died = %+v, %v; want its record forgotten, nothing signalled", report, err)
			}
			if recs[0].Cgroup != "" && pathExists(recs[0].Cgroup) {
				t.Fatalf("cgroup %s left", recs[0].Cgroup)
			}
		})
	}
}

// An owner that died between creating its tree's cgroup and marking it
// leaves a recorded, empty, unmarked cgroup: the reaper removes both.
func TestReapUnmarkedEmptyCgroup(t *testing.T) {
	c := probeContainment()
	if c.Kind != ContainmentCgroup {
		requireOrSkip(t, "no writable cgroup here")
	}
	t.Setenv(records.HomeEnv, t.TempDir())
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	owner := faultDeadIdentity(t)
	boot, _ := records.BootID()
	tree := records.TreeID(owner, 1)
	rec := &records.Record{Version: records.Version, Tree: tree, Containment: ContainmentCgroup, Cgroup: records.CgroupPath(c.Where, store.Home(), tree),
		Owner: owner, OwnerNS: records.PIDNamespace(), Boot: boot, UID: os.Getuid(), Name: "x", Created: time.Now()}
	if err := store.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(rec.Cgroup, 0o755); err != nil { // no mark, no process
		t.Fatal(err)
	}
	t.Cleanup(func() { cgroup.Remove(filepath.Dir(rec.Cgroup)) })
	report, err := Reap(testCtx(t), ReapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Reaped) != 1 || len(report.SetAside) != 0 || pathExists(rec.Cgroup) {
		t.Fatalf("Reap = %+v, cgroup left: %v; want the record forgotten and the cgroup removed", report, pathExists(rec.Cgroup))
	}
}

// A record naming the reaper's own process group must not make the
// reaper signal itself: the tree is left alone, record and all.
func TestReapNeverSignalsItsOwnGroup(t *testing.T) {
	t.Setenv(records.HomeEnv, t.TempDir())
	ctx := testCtx(t)
	dead := faultDeadIdentity(t) // older than the reaper below, as an owner is
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	reaper := startFaultHelper(t, "fault-reaper", faultProcOpts{stdin: r, attr: &syscall.SysProcAttr{Setpgid: true}}, "wait")
	r.Close()
	defer w.Close()
	if _, err := reaper.await(ctx, "ready"); err != nil {
		t.Fatal(err)
	}
	leader, err := records.IdentityOf(reaper.pid())
	if err != nil {
		t.Fatal(err)
	}
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := records.NewExternal(leader, "self", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec.Owner, rec.Tree = dead, records.TreeID(dead, 1)
	if err := store.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("go\n"))
	out, code, err := reaper.reaperResult(ctx)
	if err != nil || code != 0 {
		t.Fatalf("reaper: exit %d, %v, %+v; want it alive and successful", code, err, out)
	}
	if len(out.Reaped) != 0 || out.SetAside != 0 {
		t.Fatalf("reaper acted on the record of its own group: %+v", out)
	}
	if !store.Has(rec.FileName()) {
		t.Fatal("the record of the reaper's group was removed")
	}
}

// An owner in another PID namespace that dies while its namespace lives
// on (a container whose init is something else) is proven dead by its
// lock, and the host's reaper stops its tree.
func TestReapOwnerDeadInOtherPIDNamespace(t *testing.T) {
	if os.Getuid() != 0 {
		requireOrSkip(t, "needs root for a PID namespace")
	}
	for _, containment := range []string{string(ContainmentCgroup), string(ContainmentPgroup)} {
		t.Run(containment, func(t *testing.T) {
			if containment == string(ContainmentCgroup) && probeContainment().Kind != ContainmentCgroup {
				requireOrSkip(t, "no writable cgroup here")
			}
			t.Setenv(records.HomeEnv, t.TempDir())
			mark := newMark(t)
			cmd := exec.Command(os.Args[0], containment, "tree")
			cmd.Env = append(os.Environ(), helperEnv+"=ns-init", markEnv+"="+mark, "GORACE=atexit_sleep_ms=0")
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
			cmd.Stderr = os.Stderr
			in, _ := cmd.StdinPipe()
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			lines := bufio.NewReader(out)
			if line, err := lines.ReadString('\n'); line != "ready\n" {
				t.Fatalf("namespace said %q, %v", line, err)
			}
			// ns-init, the owner and the tree's five processes.
			waitMarked(t, mark, 7)
			if report, err := Reap(testCtx(t), ReapOptions{}); err != nil || len(report.Reaped) != 0 {
				t.Fatalf("Reap with the owner alive = %+v, %v; want nothing reaped", report, err)
			}
			in.Write([]byte("kill\n"))
			if line, err := lines.ReadString('\n'); line != "killed\n" {
				t.Fatalf("namespace said %q, %v", line, err)
			}
			report, err := Reap(testCtx(t), ReapOptions{})
			if err != nil || len(report.Reaped) != 1 || report.Reaped[0].Signalled == 0 {
				t.Fatalf("Reap after the owner died = %+v, %v; want its tree stopped", report, err)
			}
			var left []int
			pollUntil(testCtx(t), 10*time.Second, func() bool {
				left = markedPids(mark)
				return len(left) == 1
			})
			if len(left) != 1 || left[0] != cmd.Process.Pid {
				t.Fatalf("marked processes left %v, want only the namespace's init %d", left, cmd.Process.Pid)
			}
		})
	}
}

// TestReapTreeCgroupWithoutMark: a tree whose cgroup lost its mark (a
// root process of the tree removed the xattr) is still stopped by the
// reaper, since its cgroup is at the tree's own path in this home's
// cgroup directory; before, its record was set aside and the tree lived
// on (issue 11, item 4).
func TestReapTreeCgroupWithoutMark(t *testing.T) {
	if probeContainment().Kind != ContainmentCgroup {
		requireOrSkip(t, "no writable cgroup here")
	}
	if os.Getuid() != 0 {
		requireOrSkip(t, "only root can remove a cgroup's user xattr here")
	}
	t.Setenv(records.HomeEnv, t.TempDir())
	mark := newMark(t)
	owner := startOwner(t, mark, string(ContainmentCgroup), "tree")
	waitMarked(t, mark, 6)
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := store.Names()
	if len(names) != 1 {
		t.Fatalf("records %v, want the tree's one", names)
	}
	rec, err := store.Read(names[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Removexattr(rec.Cgroup, cgroup.TreeXattr); err != nil {
		t.Fatalf("remove the mark of %s: %v", rec.Cgroup, err)
	}
	killOwner(t, owner)
	report, err := Reap(testCtx(t), ReapOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.SetAside) != 0 {
		t.Errorf("the record was set aside: %+v", report.SetAside)
	}
	if left := waitMarkedGone(mark, 2*time.Second); len(left) > 0 {
		t.Fatalf("processes of the unmarked tree left after Reap: %v", left)
	}
	if names, _ := store.Names(); len(names) != 0 {
		t.Fatalf("records left after Reap: %v", names)
	}
}
