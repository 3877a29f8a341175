//go:build linux

package base

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
)

// guardianWithin bounds the wait for a guarded tree to be gone after its
// owner's SIGKILL: far above the fault suite's target (200 ms plus the
// grace), for a loaded machine running the race detector.
const guardianWithin = 10 * time.Second

// guardianOf returns the guardian process of the owner with identity id,
// or 0: the live process whose environment names that owner.
func guardianOf(id records.Identity) int {
	pids := procfs.PIDsWithEnv(fmt.Sprintf("%s=3:%d:%d", guardianEnv, id.PID, id.Start))
	if len(pids) == 0 {
		return 0
	}
	return pids[0]
}

// guardedOwner starts a fault-owner of one five-process tree (a SIGTERM
// ignorer and escapers included) marked with marker, guarded or not, and
// returns it once the tree runs, with its identity.
func guardedOwner(t *testing.T, ctx context.Context, ownerEnv []string, marker string, guarded bool) (*faultProc, records.Identity) {
	t.Helper()
	if guarded {
		ownerEnv = append(ownerEnv, faultGuardEnv+"=1")
	}
	owner := startFaultHelper(t, "fault-owner", faultProcOpts{env: ownerEnv}, "tree", marker)
	t.Cleanup(func() { faultKillMarked(marker) })
	if before, err := owner.await(ctx, "ready"); err != nil {
		t.Fatalf("owner: %v (%q)", err, before)
	}
	id, err := records.IdentityOf(owner.pid())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(faultMarked(marker)); n != 5 {
		t.Fatalf("%d processes in the tree, want 5", n)
	}
	return owner, id
}

// TestGuardianStopsTreeOfKilledOwner: a guarded tree whose owner is
// SIGKILLed is stopped, grace and all, with no reap by anyone else; its
// record is removed, and the guardian is gone afterwards.
func TestGuardianStopsTreeOfKilledOwner(t *testing.T) {
	t.Setenv("GORACE", faultRaceEnv())
	for _, c := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		t.Run(string(c), func(t *testing.T) {
			ctx, ownerEnv := faultSetup(t, 60*time.Second, c)
			marker := fmt.Sprintf("g-%s-%d", c, os.Getpid())
			owner, id := guardedOwner(t, ctx, ownerEnv, marker, true)
			g := guardianOf(id)
			if g == 0 {
				t.Fatal("the guarded owner has no guardian process")
			}
			checkGuardianApart(t, g, owner.pid())
			killed := time.Now()
			owner.cmd.Process.Kill() // no wait: the guardian must act alone
			if left := faultSurvivors(marker, guardianWithin); len(left) > 0 {
				t.Fatalf("tree still running %v after its owner's SIGKILL: %v", guardianWithin, left)
			}
			t.Logf("tree gone %v after the owner's SIGKILL", time.Since(killed).Round(time.Millisecond))
			if !pollUntil(ctx, guardianWithin, func() bool { return !pidAlive(g) }) {
				t.Errorf("guardian %d still running after the tree was gone", g)
			}
			if recs := faultRecordedTrees(t); len(recs) != 0 {
				t.Errorf("records left after the guardian's reap: %v", recs)
			}
		})
	}
}

// checkGuardianApart checks that the guardian is out of everything a stop
// of the tree or of the owner's group touches: its own session and group,
// not the tree's cgroup, no CORRAL_TREE.
func checkGuardianApart(t *testing.T, g, owner int) {
	t.Helper()
	st, err := procfs.ReadStat(g)
	if err != nil {
		t.Fatal(err)
	}
	if st.PPID != owner || st.PGID != g {
		t.Errorf("guardian %d: parent %d, group %d; want parent %d and a group of its own", g, st.PPID, st.PGID, owner)
	}
	if v, ok := procfs.EnvironValue(g, records.TreeEnv); ok {
		t.Errorf("guardian %d carries %s=%s", g, records.TreeEnv, v)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", g))
	if err == nil && strings.Contains(string(b), "/"+records.CgroupDirName+"/") {
		t.Errorf("guardian %d is in a tree cgroup: %s", g, b)
	}
}

func pidAlive(pid int) bool {
	st, err := procfs.ReadStat(pid)
	return err == nil && !st.Dead()
}

// TestGuardianOffTreeOutlivesOwner: without the guardian, a tree outlives
// its owner's SIGKILL until a reap, which is what the guardian changes.
func TestGuardianOffTreeOutlivesOwner(t *testing.T) {
	t.Setenv("GORACE", faultRaceEnv())
	ctx, ownerEnv := faultSetup(t, 60*time.Second, ContainmentPgroup)
	marker := fmt.Sprintf("g-off-%d", os.Getpid())
	owner, id := guardedOwner(t, ctx, ownerEnv, marker, false)
	if g := guardianOf(id); g != 0 {
		t.Fatalf("an unguarded owner has a guardian, %d", g)
	}
	owner.kill()
	// The guarded tree is gone within about 300 ms; this one must still
	// be whole well after that.
	if pollUntil(ctx, time.Second, func() bool { return len(faultMarked(marker)) < 5 }) {
		t.Fatalf("the unguarded tree lost processes without a reap: %d left", len(faultMarked(marker)))
	}
	if _, err := Reap(ctx, ReapOptions{Logger: faultQuietLogger()}); err != nil {
		t.Fatal(err)
	}
	if left := faultSurvivors(marker, 5*time.Second); len(left) > 0 {
		t.Fatalf("survivors of the reap: %v", left)
	}
}

// TestGuardianEndsWithLastTree: a guardian is shared by the owner's
// trees, and gone (reaped: no zombie) once the last one ended normally.
func TestGuardianEndsWithLastTree(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	home, self, env := guardedEnv(t, ctx)
	long, err := env.NewProcess("sleep", "60")
	if err != nil {
		t.Fatal(err)
	}
	if err := long.Start(ctx); err != nil {
		t.Fatal(err)
	}
	g := guardianOf(self)
	if g == 0 {
		t.Fatal("no guardian while a guarded tree runs")
	}
	for range 3 { // short trees while the long one runs: the same guardian
		p, err := env.NewProcess("true")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if now := guardianOf(self); now != g {
			t.Fatalf("guardian %d, then %d: want one per owner", g, now)
		}
	}
	if err := long.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if now := guardianOf(self); now != 0 {
		t.Errorf("guardian %d still running after the last tree ended", now)
	}
	if _, err := procfs.ReadStat(g); err == nil {
		t.Errorf("guardian %d left as a zombie", g)
	}
	guardians.Lock()
	n := len(guardians.byHome)
	guardians.Unlock()
	if n != 0 {
		t.Errorf("%d guardians still counted", n)
	}
	if recs := faultRecordedTrees(t); len(recs) != 0 {
		t.Errorf("records left in %s: %v", filepath.Join(home, "runs"), recs)
	}
}

// TestGuardianEnvIsNotAProgram: a CORRAL_GUARDIAN that is not a guardian's
// makes the program exit 2 with a message, never run its main.
func TestGuardianEnvIsNotAProgram(t *testing.T) {
	notPipe, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer notPipe.Close()
	for _, v := range []string{"", "3", "x:1:2", "1:1:2", fmt.Sprintf("%d:1:2", notPipe.Fd())} {
		var out strings.Builder
		if code := guardianMain(v, &out); code != 2 || !strings.Contains(out.String(), guardianEnv) {
			t.Errorf("guardianMain(%q) = %d, %q; want 2 and a message naming %s", v, code, out.String(), guardianEnv)
		}
	}
}

// TestNixGuardian: WithGuardian on a Nix environment reaches both of its
// native environments, and a materialised Nix process is guarded as a
// native one. (The environment is assembled by hand, materialised with an
// empty overlay, so that no nix is needed.)
func TestNixGuardian(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	faultHome(t)
	dir := t.TempDir()
	materialised, err := NewNativeEnvironment(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := NewNativeEnvironment(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	n := &NixEnvironment{dir: dir, materialised: materialised, wrapped: wrapped, overlay: map[string]string{}}
	n.WithGuardian(true)
	if !materialised.guarded.Load() || !wrapped.guarded.Load() {
		t.Fatalf("WithGuardian reached materialised: %v, wrapped: %v", materialised.guarded.Load(), wrapped.guarded.Load())
	}
	self, err := records.Self()
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.NewProcess("sleep", "60")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	g := guardianOf(self)
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if g == 0 {
		t.Error("no guardian while a guarded Nix tree ran")
	}
	if now := guardianOf(self); now != 0 {
		t.Errorf("guardian %d still running after the tree ended", now)
	}
}

// TestGuardianReplacedAfterKillKeepsCount: a guardian killed from outside
// is replaced at the next guarded Start, and the new one guards the older
// trees too: it lives until the last of all of them ends, not until the
// first.
func TestGuardianReplacedAfterKillKeepsCount(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	_, self, env := guardedEnv(t, ctx)
	start := func() Proc {
		p, err := env.NewProcess("sleep", "60")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := start(), start()
	t.Cleanup(func() { env.Stop(context.Background()) })
	old := guardianOf(self)
	if old == 0 {
		t.Fatal("no guardian while guarded trees run")
	}
	syscall.Kill(old, syscall.SIGKILL) // from outside
	if !pollUntil(ctx, 10*time.Second, func() bool { return guardianOf(self) == 0 }) {
		t.Fatalf("guardian %d survived SIGKILL", old)
	}
	c := start() // replaces the guardian
	g := guardianOf(self)
	if g == 0 || g == old {
		t.Fatalf("guardian after the kill: %d (old %d), want a new one", g, old)
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if now := guardianOf(self); now != g {
		t.Fatalf("guardian %d gone (now %d) after the first of three trees ended: b and c are unguarded", g, now)
	}
	for _, p := range []Proc{b, c} {
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if now := guardianOf(self); now != 0 {
		t.Errorf("guardian %d still running after the last tree ended", now)
	}
}

// guardedEnv gives the test a CORRAL_HOME of its own (returned) and a
// guarded native environment, and returns this process's identity, which
// its guardian carries.
func guardedEnv(t *testing.T, ctx context.Context) (home string, self records.Identity, env *NativeEnvironment) {
	t.Helper()
	home = faultHome(t)
	self, err := records.Self()
	if err != nil {
		t.Fatal(err)
	}
	env, err = NewNativeEnvironment(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env.WithGuardian(true)
	return home, self, env
}
