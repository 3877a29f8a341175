//go:build linux

package base

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/records"
	"golang.org/x/sys/unix"
)

// TestFault is the fault-injection suite of the supervision promise
// (issue 3, item 5): real processes, no mocks, and figures at the end.
//
//	OwnerKilled     a supervisor is SIGKILLed while it starts or runs a tree
//	                of five processes (escapers included); Reap must leave
//	                no survivor.
//	OwnerKilledGuarded  the same with the guardian on and no Reap by the
//	                test: the guardian must leave no survivor, and exit; the
//	                time from the SIGKILL to the tree gone is timed
//	                (fault_guardian_linux_test.go).
//	Forged          records point at live processes that are not ours;
//	                none may be signalled.
//	ForgedGuarded   the same records, reaped by the guardian of a killed
//	                owner; none may be signalled.
//	ConcurrentReapers  reapers in goroutines and in other processes race
//	                over 200 stale trees; each is reaped exactly once.
//	BadRunsDir      the runs directory is a file, unreadable, or full of
//	                garbage; Reap fails clearly or sets garbage aside.
//
// The table of figures is logged, printed on stdout, and appended to the
// file named by CORRAL_FAULT_REPORT when set. CORRAL_FAULT_ITERATIONS
// overrides the 100 iterations of OwnerKilled (-short: 10).
func TestFault(t *testing.T) {
	if os.Getuid() != 0 {
		requireOrSkip(t, "the fault suite runs processes as another user and needs root")
	}
	t.Setenv("GORACE", faultRaceEnv())
	table := &faultTable{}
	t.Cleanup(func() { table.publish(t) })

	for _, c := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		t.Run("OwnerKilled/"+string(c), func(t *testing.T) { testFaultOwnerKilled(t, table, c) })
	}
	for _, c := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		t.Run("OwnerKilledGuarded/"+string(c), func(t *testing.T) { testFaultOwnerKilledGuarded(t, table, c) })
	}
	t.Run("Forged", func(t *testing.T) { testFaultForged(t, table) })
	t.Run("ForgedGuarded", func(t *testing.T) { testFaultForgedGuarded(t, table) })
	for _, c := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		t.Run("ConcurrentReapers/"+string(c), func(t *testing.T) { testFaultConcurrentReapers(t, table, c) })
	}
	t.Run("BadRunsDir", func(t *testing.T) { testFaultBadRunsDir(t, table) })
}

// faultSetup gives the test a deadline and a CORRAL_HOME of its own, and
// returns the environment an owner helper needs for containment c.
func faultSetup(t *testing.T, d time.Duration, c ContainmentKind) (context.Context, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	faultHome(t)
	switch c {
	case ContainmentPgroup:
		return ctx, []string{containmentEnv + "=" + string(ContainmentPgroup)}
	case ContainmentCgroup:
		if got := DetectContainment(); got.Kind != ContainmentCgroup {
			requireOrSkip(t, "no writable cgroup v2 here: "+got.Reason)
		}
		return ctx, []string{containmentEnv + "="}
	}
	return ctx, nil
}

// faultHome points CORRAL_HOME at a new temporary directory and returns it.
func faultHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv(records.HomeEnv, home)
	if c := probeContainment(); c.Kind == ContainmentCgroup {
		// The directory of this home's tree cgroups outlives the home; a
		// later Reap of any home would remove it, this does it now.
		t.Cleanup(func() { unix.Rmdir(filepath.Dir(records.CgroupPath(c.Where, home, "x"))) })
	}
	return home
}

func faultQuietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// ---- (a) the owner is killed -------------------------------------------

func faultIterations(t *testing.T) int {
	if v := os.Getenv("CORRAL_FAULT_ITERATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("CORRAL_FAULT_ITERATIONS=%q: want a positive number", v)
		}
		return n
	}
	if testing.Short() {
		return 10
	}
	return 100
}

// testFaultOwnerKilled SIGKILLs a fault-owner at a random moment, reaps,
// and counts the processes of its tree still alive two seconds later.
// Even iterations kill 0–30 ms after the owner was launched, which lands
// before, during or after its Start (the phase is logged from what the
// owner printed); odd ones 0–30 ms after it said "ready", when all five
// processes run.
func testFaultOwnerKilled(t *testing.T, table *faultTable, c ContainmentKind) {
	ctx, ownerEnv := faultSetup(t, 150*time.Second, c)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	t.Logf("seed %d", seed)
	n := faultIterations(t)
	var (
		survived, reaped, signalled, leftovers int
		phases                                 = map[string]int{}
		failures                               []string
	)
	for i := range n {
		if ctx.Err() != nil {
			t.Fatalf("deadline reached after %d iterations", i)
		}
		marker := fmt.Sprintf("a-%s-%d-%d-%d", c, os.Getpid(), seed, i)
		delay := time.Duration(rng.Int64N(int64(30*time.Millisecond) + 1))
		launched := time.Now()
		owner := startFaultHelper(t, "fault-owner", faultProcOpts{env: ownerEnv}, "tree", marker)
		said := faultAwaitMoment(t, ctx, owner, i, marker, launched, delay)
		owner.kill()
		said = append(said, owner.tail...)
		phase := faultPhase(said)
		phases[phase]++

		rep, err := Reap(ctx, ReapOptions{Logger: faultQuietLogger()})
		if err != nil {
			t.Errorf("iteration %d: Reap: %v", i, err)
		}
		if rep != nil {
			reaped += len(rep.Reaped)
			for _, r := range rep.Reaped {
				signalled += r.Signalled
			}
			if len(rep.SetAside) > 0 {
				t.Errorf("iteration %d: set aside %v", i, rep.SetAside)
			}
		}
		if left := faultSurvivors(marker, 2*time.Second); len(left) > 0 {
			survived += len(left)
			var what []string
			if rep != nil {
				for _, r := range rep.Reaped {
					what = append(what, fmt.Sprintf("%s signalled %d", r.Tree, r.Signalled))
				}
			}
			failures = append(failures, fmt.Sprintf("iteration %d (killed %v %s; reaper: %s): %s",
				i, delay, phase, orNone(what), strings.Join(left, "; ")))
			faultKillMarked(marker)
		}
		leftovers += faultLeftovers(t, owner.pid())
	}
	for _, f := range failures {
		t.Errorf("survivor: %s", f)
	}
	if leftovers > 0 {
		t.Errorf("%d leftovers (record or cgroup) after reaping; see above", leftovers)
	}
	kills := fmt.Sprintf("killed %d× before Start, %d× while the tree started, %d× with the tree running",
		phases["before Start"], phases["during start-up"], phases["after ready"])
	t.Log(kills)
	table.add(faultRow{
		scenario: "(a) owner SIGKILLed during start-up or run, then Reap", containment: string(c), iterations: n,
		bad: survived, badKind: "survivors",
		note: fmt.Sprintf("%s; %d trees reaped, %d processes signalled by the reaper, %d leftovers", kills, reaped, signalled, leftovers),
	})
}

// faultAwaitMoment waits for iteration i's moment to kill owner: delay
// after it was launched for an even i, delay after it said "ready" for an
// odd one. It returns what the owner said by then.
func faultAwaitMoment(t *testing.T, ctx context.Context, owner *faultProc, i int, marker string, launched time.Time, delay time.Duration) []string {
	t.Helper()
	if i%2 == 0 {
		time.Sleep(delay - time.Since(launched))
		return nil
	}
	before, err := owner.await(ctx, "ready")
	if err != nil {
		owner.kill()
		faultKillMarked(marker)
		t.Fatalf("iteration %d: %v (%q)", i, err, before)
	}
	time.Sleep(delay) // the fault's random moment, not a synchronisation
	return append(before, "ready")
}

// faultPhase names the moment an owner was killed, from what it printed.
func faultPhase(said []string) string {
	switch {
	case slices.Contains(said, "ready"):
		return "after ready"
	case slices.Contains(said, "starting"):
		return "during start-up"
	}
	return "before Start"
}

// faultLeftovers counts, reports and removes what an owner's death left
// behind after Reap besides processes: records and cgroups named after
// the owner. None is a survivor, but each is a leak.
func faultLeftovers(t *testing.T, ownerPID int) int {
	t.Helper()
	n := 0
	runs := filepath.Join(os.Getenv(records.HomeEnv), "runs")
	entries, _ := os.ReadDir(runs)
	for _, e := range entries {
		if e.Name() == ".lock" || e.Name() == ".setaside" {
			continue
		}
		if strings.HasPrefix(e.Name(), ".tmp-") {
			// A write cut short by the kill; Reap removes these once they
			// are a minute old, so that it never races a live writer.
			t.Logf("temporary record file left by owner %d (removed by a later Reap): %s", ownerPID, e.Name())
			os.Remove(filepath.Join(runs, e.Name()))
			continue
		}
		t.Logf("leftover in runs after Reap (owner %d): %s", ownerPID, e.Name())
		os.Remove(filepath.Join(runs, e.Name()))
		n++
	}
	if c := probeContainment(); c.Kind == ContainmentCgroup {
		owned := func(dir string, match func(name string) bool) {
			cgs, _ := os.ReadDir(dir)
			for _, e := range cgs {
				if match(e.Name()) {
					t.Logf("leftover cgroup after Reap (owner %d): %s", ownerPID, filepath.Join(dir, e.Name()))
					cgroup.Kill(filepath.Join(dir, e.Name()))
					cgroup.Remove(filepath.Join(dir, e.Name()))
					n++
				}
			}
		}
		pid := strconv.Itoa(ownerPID)
		owned(c.Where, func(name string) bool { return name == "probe."+pid })
		owned(filepath.Dir(records.CgroupPath(c.Where, os.Getenv(records.HomeEnv), "x")), func(name string) bool {
			return strings.HasPrefix(name, pid+".")
		})
	}
	return n
}

// ---- (b) forged and foreign records --------------------------------------

// faultVictimProc is a live process that is not ours to signal.
type faultVictimProc struct {
	name    string
	h       *faultProc
	id      records.Identity
	sigFile string
}

// hit reports whether the victim received a signal or died.
func (v *faultVictimProc) hit() (bool, string) {
	if b, err := os.ReadFile(v.sigFile); err == nil {
		return true, "received " + strings.TrimSpace(string(b))
	}
	select {
	case <-v.h.done:
		return true, "died: " + v.h.cmd.ProcessState.String()
	default:
	}
	return false, ""
}

type faultVictimOpts struct {
	foreignUser bool
	cgroup      string // a cgroup v2 directory to start it in
}

func startFaultVictim(t *testing.T, ctx context.Context, exe, scratch, name string, o faultVictimOpts) *faultVictimProc {
	t.Helper()
	attr := &syscall.SysProcAttr{Setpgid: true} // a group leader: a group kill would hit it
	if o.foreignUser {
		attr.Credential = faultNobody
	}
	if o.cgroup != "" {
		fd, err := unix.Open(o.cgroup, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		attr.UseCgroupFD, attr.CgroupFD = true, fd
	}
	sigFile := filepath.Join(scratch, "signal-"+strings.ReplaceAll(name, " ", "-"))
	h := startFaultHelper(t, "fault-victim", faultProcOpts{exe: exe, attr: attr}, sigFile)
	if _, err := h.await(ctx, "ready"); err != nil {
		t.Fatalf("victim %s: %v", name, err)
	}
	id, err := records.IdentityOf(h.pid())
	if err != nil {
		t.Fatalf("victim %s: %v", name, err)
	}
	return &faultVictimProc{name: name, h: h, id: id, sigFile: sigFile}
}

// faultCgroup creates the cgroup v2 directory path and its parents up to
// top, and at cleanup kills what runs in path and removes them again.
func faultCgroup(t *testing.T, top, path string) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cgroup.Kill(path)
		if err := cgroup.Remove(path); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		for p := filepath.Dir(path); strings.HasPrefix(p, top); p = filepath.Dir(p) {
			unix.Rmdir(p) // only if empty: another tree may share a parent
		}
	})
	return path
}

// faultForgery is one record the reaper must not act on.
type faultForgery struct {
	name   string
	victim faultVictimOpts
	// place is where the victim runs: "" (no cgroup of its own),
	// "sibling" (a cgroup beside corral's directory), "outside-corral" (a
	// cgroup shaped as a corral tree's, outside corral's directory), or
	// "corral-live-owner" (in corral's directory, named after a live
	// owner: this test), or "other-home" (a marked tree cgroup in the
	// directory of another corral home).
	place string
	// write puts the record into the runs directory and returns its file
	// name there.
	write func(v *faultVictimProc, rec *records.Record) string
	// want is where the record must end: "reaped" (its record removed,
	// nothing signalled), "setaside", "either", or "none" (no record).
	want string
}

// forgeryKit writes forged records for testFaultForged: each names a dead
// owner and, as its leader or cgroup, a live victim.
type forgeryKit struct {
	t     *testing.T
	store *records.Store
	boot  string
	dead  records.Identity
	seq   uint64
}

func newForgeryKit(t *testing.T) *forgeryKit {
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	boot, err := records.BootID()
	if err != nil {
		t.Fatal(err)
	}
	return &forgeryKit{t: t, store: store, boot: boot, dead: faultDeadIdentity(t)}
}

// nextTree is a fresh tree id of the dead owner.
func (k *forgeryKit) nextTree() string {
	k.seq++
	return records.TreeID(k.dead, 1000+k.seq)
}

// record is a valid process-group record of the dead owner, led by v.
func (k *forgeryKit) record(v *faultVictimProc, tree string) *records.Record {
	return &records.Record{
		Version: records.Version, Tree: tree, Containment: ContainmentPgroup,
		Leader: v.id, Owner: k.dead, OwnerNS: records.PIDNamespace(), Boot: k.boot, UID: os.Getuid(), Name: "victim",
		Grace: faultGrace, Created: time.Now().UTC(),
	}
}

func (k *forgeryKit) put(rec *records.Record) string {
	if err := k.store.Write(rec); err != nil {
		k.t.Fatal(err)
	}
	return rec.FileName()
}

// raw writes rec, made External, encoded and changed by edit, as name.
func (k *forgeryKit) raw(rec *records.Record, name string, edit func([]byte) []byte) string {
	b, _ := external(rec).Encode()
	if name == "" {
		name = rec.FileName()
	}
	return faultWriteRaw(k.t, k.store.Dir(), name, edit(b))
}

func external(rec *records.Record) *records.Record { rec.External = true; return rec }

func (k *forgeryKit) inCgroup(path string) func(v *faultVictimProc, rec *records.Record) string {
	return func(v *faultVictimProc, rec *records.Record) string {
		rec.Containment, rec.Cgroup, rec.Leader = ContainmentCgroup, path, records.Identity{}
		return k.put(rec)
	}
}

// plain writes the record as it is; asExternal as a WritePgidFile record.
func (k *forgeryKit) plain(_ *faultVictimProc, rec *records.Record) string { return k.put(rec) }
func (k *forgeryKit) asExternal(_ *faultVictimProc, rec *records.Record) string {
	return k.put(external(rec))
}

// forgeries are the records the reaper must not act on: every one of
// them names a live victim it must leave alone.
func (k *forgeryKit) forgeries(cgroups Containment) []faultForgery {
	t := k.t
	keep := func(b []byte) []byte { return b }
	fs := []faultForgery{
		{name: "foreign process, right pid+start, corral record", want: "reaped", write: k.plain},
		{name: "reused PID (leader start wrong), corral record", want: "reaped",
			write: func(v *faultVictimProc, rec *records.Record) string { rec.Leader.Start++; return k.put(rec) }},
		{name: "reused PID (leader start wrong), WritePgidFile record", want: "reaped",
			write: func(v *faultVictimProc, rec *records.Record) string { rec.Leader.Start--; return k.put(external(rec)) }},
		{name: "another boot, WritePgidFile record, right pid+start", want: "reaped",
			write: func(v *faultVictimProc, rec *records.Record) string {
				rec.Boot = "another-boot"
				return k.put(external(rec))
			}},
		{name: "another user's process, corral record", want: "reaped", victim: faultVictimOpts{foreignUser: true}, write: k.plain},
		{name: "another user's process, WritePgidFile record", want: "either", victim: faultVictimOpts{foreignUser: true}, write: k.asExternal},
		{name: "record naming another uid", want: "setaside",
			write: func(v *faultVictimProc, rec *records.Record) string { rec.UID = 65534; return k.put(external(rec)) }},
		{name: "record file owned by another user", want: "setaside",
			write: func(v *faultVictimProc, rec *records.Record) string {
				name := k.put(external(rec))
				if err := os.Lchown(filepath.Join(k.store.Dir(), name), 65534, 65534); err != nil {
					t.Fatal(err)
				}
				return name
			}},
		{name: "oversized record (>64 KiB)", want: "setaside",
			write: func(v *faultVictimProc, rec *records.Record) string {
				return k.raw(rec, "", func(b []byte) []byte { return append(b, bytes.Repeat([]byte(" "), records.MaxSize)...) })
			}},
		{name: "symlinked record", want: "setaside", write: k.symlinked},
		{name: "malformed record", want: "setaside",
			write: func(v *faultVictimProc, rec *records.Record) string {
				return k.raw(rec, "", func(b []byte) []byte { return b[:len(b)/2] })
			}},
		{name: "file name does not match content", want: "setaside",
			write: func(v *faultVictimProc, rec *records.Record) string { return k.raw(rec, "4194000.json", keep) }},
		{name: "not a cgroup: dir with a fake cgroup.procs", want: "setaside", write: k.fakeCgroup},
	}
	if cgroups.Kind != ContainmentCgroup {
		t.Logf("no writable cgroup v2 (%s): cgroup forgeries skipped", cgroups.Reason)
		return fs
	}
	inVictims := func(v *faultVictimProc, rec *records.Record) string { return k.inCgroup(faultCgroupOf(t, v))(v, rec) }
	return append(fs,
		faultForgery{name: "another boot, cgroup record", want: "reaped", place: "outside-corral",
			write: func(v *faultVictimProc, rec *records.Record) string {
				rec.Boot = "another-boot"
				return inVictims(v, rec)
			}},
		faultForgery{name: "cgroup outside corral's: a sibling cgroup", want: "setaside", place: "sibling", write: inVictims},
		faultForgery{name: "cgroup outside corral's, path shaped as corral's", want: "either", place: "outside-corral", write: inVictims},
		faultForgery{name: "marked tree cgroup of another corral home", want: "setaside", place: "other-home", write: inVictims},
		faultForgery{name: "unrecorded cgroup in corral's directory, owner alive", want: "none", place: "corral-live-owner",
			write: func(*faultVictimProc, *records.Record) string { return "" }},
	)
}

func (k *forgeryKit) symlinked(_ *faultVictimProc, rec *records.Record) string {
	b, _ := external(rec).Encode()
	target := filepath.Join(k.t.TempDir(), "real.json")
	if err := os.WriteFile(target, b, 0o600); err != nil {
		k.t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(k.store.Dir(), rec.FileName())); err != nil {
		k.t.Fatal(err)
	}
	return rec.FileName()
}

// fakeCgroup names a plain directory that looks like a cgroup holding v.
func (k *forgeryKit) fakeCgroup(v *faultVictimProc, rec *records.Record) string {
	dir := records.CgroupPath(filepath.Join(k.t.TempDir(), records.CgroupDirName), k.store.Home(), rec.Tree)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(v.id.PID)+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte("populated 1\nfrozen 0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cgroup.kill"), nil, 0o644)
	return k.inCgroup(dir)(v, rec)
}

// plantedForgery is a forged record in place, and its victim.
type plantedForgery struct {
	f    faultForgery
	v    *faultVictimProc
	file string
}

// plant starts each forgery's victim where it says and writes its record.
func (k *forgeryKit) plant(ctx context.Context, fs []faultForgery, cgroups Containment) []plantedForgery {
	t := k.t
	exe, scratch := faultSharedExe(t)
	self, err := records.Self()
	if err != nil {
		t.Fatal(err)
	}
	siblings := filepath.Join(cgroup.Mount(), fmt.Sprintf("corral-fault-%d", os.Getpid()))
	var all []plantedForgery
	for i, f := range fs {
		o := f.victim
		tree := k.nextTree()
		top := fmt.Sprintf("%s-%d", siblings, i)
		switch f.place {
		case "sibling":
			o.cgroup = faultCgroup(t, top, top)
		case "outside-corral":
			o.cgroup = faultCgroup(t, top, records.CgroupPath(filepath.Join(top, records.CgroupDirName), k.store.Home(), tree))
		case "corral-live-owner":
			tree = records.TreeID(self, 1000+k.seq)
			path := records.CgroupPath(cgroups.Where, k.store.Home(), tree)
			o.cgroup = faultCgroup(t, filepath.Dir(path), path)
		case "other-home":
			path := records.CgroupPath(cgroups.Where, "/another/corral/home", tree)
			o.cgroup = faultCgroup(t, filepath.Dir(path), path)
			if err := cgroup.Mark(path); err != nil { // marked as that home's tree would be
				t.Fatal(err)
			}
		}
		v := startFaultVictim(t, ctx, exe, scratch, fmt.Sprintf("v%02d", i), o)
		all = append(all, plantedForgery{f: f, v: v, file: f.write(v, k.record(v, tree))})
	}
	return all
}

// faultHits watches the victims for a while, since a signal takes a
// moment to show (the victim writes its file and exits), and returns how
// each one that was hit was hit.
func faultHits(all []plantedForgery) map[int]string {
	deadline := time.Now().Add(300 * time.Millisecond)
	hit := map[int]string{}
	for time.Now().Before(deadline) {
		for i, p := range all {
			if _, done := hit[i]; !done {
				if ok, how := p.v.hit(); ok {
					hit[i] = how
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return hit
}

// checkForgeries fails the test for every victim hit and every record
// that did not end where its forgery says.
func checkForgeries(t *testing.T, store *records.Store, all []plantedForgery, rep *ReapReport, hit map[int]string) {
	asideFiles := map[string]string{}
	for _, s := range rep.SetAside {
		asideFiles[s.File] = s.Reason
	}
	for i, p := range all {
		if how, ok := hit[i]; ok {
			t.Errorf("%s: victim pid %d was hit: %s", p.f.name, p.v.id.PID, how)
		}
		_, aside := asideFiles[p.file]
		switch p.f.want {
		case "setaside":
			if !aside || !pathExists(filepath.Join(store.Dir(), ".setaside", p.file)) {
				t.Errorf("%s: %s not set aside (report: %v)", p.f.name, p.file, rep.SetAside)
			}
		case "reaped":
			if aside {
				t.Errorf("%s: %s set aside (%s), want it dropped as dead", p.f.name, p.file, asideFiles[p.file])
			}
		}
		if p.file != "" && pathExists(filepath.Join(store.Dir(), p.file)) {
			t.Errorf("%s: record %s still in runs after Reap", p.f.name, p.file)
		}
	}
	for _, r := range rep.Reaped {
		if r.Signalled != 0 && r.Name != "sleep" { // only the control tree runs sleep
			t.Errorf("tree %s: reaper says it signalled %d processes", r.Tree, r.Signalled)
		}
	}
}

// testFaultForged writes records that point at live processes started by
// the test but not ours to signal, runs Reap, and counts the victims that
// received any signal or died. A real stale tree in the same directory
// proves the reaper did act in that sweep.
func testFaultForged(t *testing.T, table *faultTable) {
	ctx, _ := faultSetup(t, 60*time.Second, "")
	cgroups := DetectContainment()
	k := newForgeryKit(t)
	all := k.plant(ctx, k.forgeries(cgroups), cgroups)
	controlMark := "b-control-" + strconv.Itoa(os.Getpid())
	control := startFaultHelper(t, "fault-owner", faultProcOpts{}, "many", controlMark, "1")
	if _, err := control.await(ctx, "ready"); err != nil {
		t.Fatal(err)
	}
	control.kill()

	rep, err := Reap(ctx, ReapOptions{Logger: faultQuietLogger()})
	if err != nil {
		t.Errorf("Reap: %v", err)
	}
	if rep == nil {
		rep = &ReapReport{}
	}
	controlLeft := faultSurvivors(controlMark, 2*time.Second)
	if len(controlLeft) > 0 {
		t.Errorf("the control tree survived the same sweep: %v", controlLeft)
		faultKillMarked(controlMark)
	}
	hit := faultHits(all)
	checkForgeries(t, k.store, all, rep, hit)
	var names []string
	for i, p := range all {
		if how, ok := hit[i]; ok {
			names = append(names, p.f.name+" ("+how+")")
		}
	}
	table.add(faultRow{
		scenario: "(b) forged/foreign records → live victims", containment: "both", iterations: len(all),
		bad: len(hit), badKind: "signalled",
		note: fmt.Sprintf("%d set aside, control tree reaped: %v; hit: %s", len(rep.SetAside), len(controlLeft) == 0, orNone(names)),
	})
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// faultCgroupOf returns the cgroup v2 directory of the victim.
func faultCgroupOf(t *testing.T, v *faultVictimProc) string {
	t.Helper()
	rel, err := cgroup.Own(strconv.Itoa(v.id.PID))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(cgroup.Mount(), rel)
}

// faultDeadIdentity is the identity of a process that has exited.
func faultDeadIdentity(t *testing.T) records.Identity {
	t.Helper()
	h := startFaultHelper(t, "fault-sleeper", faultProcOpts{})
	id, err := records.IdentityOf(h.pid())
	if err != nil {
		t.Fatal(err)
	}
	h.kill()
	if id.Alive() {
		t.Fatalf("%v still alive after SIGKILL and wait", id)
	}
	return id
}

func faultWriteRaw(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// ---- (c) concurrent reapers ----------------------------------------------

const (
	faultStaleTrees       = 200
	faultGoroutineReapers = 8
	faultProcessReapers   = 2
)

// reaperResult is what one concurrent reaper did.
type reaperResult struct {
	who    string
	reaped []string
	aside  int
	err    error
}

// startProcessReapers starts n reaper processes, each waiting for a line
// on its stdin to start; go releases them all.
func startProcessReapers(t *testing.T, ctx context.Context, n int) (procs []*faultProc, goLine func()) {
	var gates []*os.File
	for range n {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		h := startFaultHelper(t, "fault-reaper", faultProcOpts{stdin: r}, "wait")
		r.Close()
		t.Cleanup(func() { w.Close() })
		if _, err := h.await(ctx, "ready"); err != nil {
			t.Fatal(err)
		}
		procs, gates = append(procs, h), append(gates, w)
	}
	return procs, func() {
		for _, w := range gates {
			w.Write([]byte("go\n"))
		}
	}
}

// runConcurrentReapers releases goroutine and process reapers at once and
// collects what each one reaped.
func runConcurrentReapers(ctx context.Context, procs []*faultProc, goLine func(), goroutines int) ([]reaperResult, time.Duration) {
	release := make(chan struct{})
	results := make(chan reaperResult, goroutines+len(procs))
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			<-release
			rep, err := Reap(ctx, ReapOptions{Logger: faultQuietLogger()})
			res := reaperResult{who: fmt.Sprintf("goroutine %d", i), err: err}
			if rep != nil {
				for _, r := range rep.Reaped {
					res.reaped = append(res.reaped, r.Tree)
				}
				res.aside = len(rep.SetAside)
			}
			results <- res
		})
	}
	start := time.Now()
	close(release)
	goLine()
	for _, h := range procs {
		out, code, err := h.reaperResult(ctx)
		res := reaperResult{who: fmt.Sprintf("process %d", h.pid()), reaped: out.Reaped, aside: out.SetAside, err: err}
		if err == nil && code != 0 {
			res.err = fmt.Errorf("exit code %d: %s", code, out.Err)
		}
		results <- res
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(results)
	var all []reaperResult
	for res := range results {
		all = append(all, res)
	}
	return all, elapsed
}

// checkReapedOnce fails the test unless every recorded tree was reaped by
// exactly one reaper, and nothing else was; it returns the totals.
func checkReapedOnce(t *testing.T, results []reaperResult, recorded map[string]bool) (total, distinct, dups, errs int) {
	seen := map[string][]string{}
	for _, res := range results {
		if res.err != nil {
			errs++
			t.Errorf("%s: %v", res.who, res.err)
		}
		if res.aside != 0 {
			t.Errorf("%s set aside %d records", res.who, res.aside)
		}
		total += len(res.reaped)
		for _, id := range res.reaped {
			seen[id] = append(seen[id], res.who)
		}
		if len(res.reaped) > 0 {
			t.Logf("%s reaped %d trees", res.who, len(res.reaped))
		}
	}
	for id, who := range seen {
		if len(who) != 1 {
			dups++
			t.Errorf("tree %s reaped %d times (%v)", id, len(who), who)
		}
		if !recorded[id] {
			t.Errorf("tree %s reaped but never recorded", id)
		}
	}
	missing := 0
	for id := range recorded {
		if len(seen[id]) == 0 {
			missing++
		}
	}
	if total != len(recorded) || missing != 0 {
		t.Errorf("%d Reaped entries over all reapers, %d trees never reaped; want %d and 0", total, missing, len(recorded))
	}
	return total, len(seen), dups, errs
}

// testFaultConcurrentReapers kills an owner of many trees and lets
// goroutine and process reapers race for them: each tree must be reaped
// exactly once, and none survive.
func testFaultConcurrentReapers(t *testing.T, table *faultTable, c ContainmentKind) {
	ctx, ownerEnv := faultSetup(t, 90*time.Second, c)
	marker := fmt.Sprintf("c-%s-%d", c, os.Getpid())
	owner := startFaultHelper(t, "fault-owner", faultProcOpts{env: ownerEnv}, "many", marker, strconv.Itoa(faultStaleTrees))
	t.Cleanup(func() { faultKillMarked(marker) })
	if before, err := owner.await(ctx, "ready"); err != nil {
		t.Fatalf("owner: %v %q", err, before)
	}
	recorded := faultRecordedTrees(t)
	if len(recorded) != faultStaleTrees {
		t.Fatalf("%d records on disk, want %d", len(recorded), faultStaleTrees)
	}
	if live := len(faultMarked(marker)); live != faultStaleTrees {
		t.Fatalf("%d marked processes, want %d", live, faultStaleTrees)
	}
	owner.kill()

	procs, goLine := startProcessReapers(t, ctx, faultProcessReapers)
	results, elapsed := runConcurrentReapers(ctx, procs, goLine, faultGoroutineReapers)
	total, distinct, dups, errs := checkReapedOnce(t, results, recorded)
	left := faultSurvivors(marker, 2*time.Second)
	if len(left) > 0 {
		t.Errorf("%d survivors: %v", len(left), left)
	}
	summary := fmt.Sprintf("%d entries, %d distinct, %d duplicates, %d errors in %v", total, distinct, dups, errs, elapsed.Round(time.Millisecond))
	t.Log(summary)
	table.add(faultRow{
		scenario:    fmt.Sprintf("(c) %d goroutine + %d process reapers, %d stale trees", faultGoroutineReapers, faultProcessReapers, faultStaleTrees),
		containment: string(c), iterations: faultStaleTrees, bad: len(left), badKind: "survivors", note: summary,
	})
}

// faultRecordedTrees reads the tree ids of the records in the runs dir.
func faultRecordedTrees(t *testing.T) map[string]bool {
	t.Helper()
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	names, err := store.Names()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range names {
		rec, err := store.Read(n)
		if err != nil {
			t.Fatalf("record %s: %v", n, err)
		}
		out[rec.Tree] = true
	}
	return out
}

// ---- (d) a broken runs directory -----------------------------------------

// faultOutcome is what one broken-directory case led to.
type faultOutcome struct {
	name string
	ok   bool
	what string
}

// testFaultBadRunsDir breaks the runs directory in every way we can think
// of and checks that Reap fails with an error naming the directory, or
// sets the garbage aside, and never panics or hangs.
// badRunsCase is one broken corral home the reaper meets.
type badRunsCase struct {
	name string
	// brk breaks a fresh home; for a case run as nobody it makes the home
	// (in a private root-owned directory) and returns it.
	brk func(t *testing.T, home string) string
	// asNobody runs the reaper as another user: root reads any mode.
	asNobody bool
	// repair: the directory is the reaper's own, so it may fix it and
	// succeed; otherwise the reaper must fail naming the home.
	repair bool
}

// faultPrivateDir is a root-owned 0700 directory in a world-searchable one.
func faultPrivateDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "corral-fault-private-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o700)
	return dir
}

func faultNobodyOwned(t *testing.T, dir string, mode os.FileMode) {
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, mode)
}

var badRunsCases = []badRunsCase{
	{name: "runs is a regular file", brk: func(t *testing.T, home string) string {
		os.WriteFile(filepath.Join(home, "runs"), []byte("not a dir"), 0o600)
		return home
	}},
	{name: "runs is a symlink to a directory", brk: func(t *testing.T, home string) string {
		os.Symlink(t.TempDir(), filepath.Join(home, "runs"))
		return home
	}},
	{name: "runs is a FIFO", brk: func(t *testing.T, home string) string {
		unix.Mkfifo(filepath.Join(home, "runs"), 0o600)
		return home
	}},
	{name: "CORRAL_HOME inside a dir the reaper cannot search (EACCES)", asNobody: true, brk: func(t *testing.T, _ string) string {
		home := filepath.Join(faultPrivateDir(t), "home")
		os.MkdirAll(filepath.Join(home, "runs"), 0o700)
		return home
	}},
	{name: "CORRAL_HOME owned by root, 0700", asNobody: true, brk: func(t *testing.T, _ string) string {
		home := faultPrivateDir(t)
		os.Mkdir(filepath.Join(home, "runs"), 0o700)
		return home
	}},
	{name: "runs owned by root, 0700", asNobody: true, brk: func(t *testing.T, _ string) string {
		home := faultPrivateDir(t)
		os.Mkdir(filepath.Join(home, "runs"), 0o700)
		faultNobodyOwned(t, home, 0o700)
		return home
	}},
	{name: "runs is the reaper's own but mode 0000", asNobody: true, repair: true, brk: func(t *testing.T, _ string) string {
		home := faultPrivateDir(t)
		runs := filepath.Join(home, "runs")
		os.Mkdir(runs, 0o700)
		faultNobodyOwned(t, home, 0o700)
		faultNobodyOwned(t, runs, 0)
		return home
	}},
}

// badRunsOutcome runs the reaper against one broken home and says
// whether it gave a clear error naming the home (or repaired its own).
func badRunsOutcome(t *testing.T, ctx context.Context, exe string, c badRunsCase) (bool, string) {
	if !c.asNobody {
		home := c.brk(t, faultHome(t))
		rep, err := faultReapNoPanic(ctx)
		return err != nil && rep == nil && strings.Contains(err.Error(), filepath.Join(home, "runs")), fmt.Sprintf("Reap: %v", err)
	}
	home := c.brk(t, "")
	h := startFaultHelper(t, "fault-reaper", faultProcOpts{exe: exe, attr: &syscall.SysProcAttr{Credential: faultNobody},
		env: []string{records.HomeEnv + "=" + home}})
	out, code, err := h.reaperResult(ctx)
	switch {
	case err != nil:
		return false, fmt.Sprintf("reaper: %v", err)
	case c.repair:
		return code == 0, fmt.Sprintf("exit %d, %q (repaired: the directory is the reaper's own)", code, out.Err)
	}
	return code == 1 && strings.Contains(out.Err, home), fmt.Sprintf("exit %d, %q", code, out.Err)
}

// testFaultBadRunsDir points the reaper at broken corral homes: each must
// give a clear error or warning, never a panic, and garbage records are
// set aside.
func testFaultBadRunsDir(t *testing.T, table *faultTable) {
	ctx, _ := faultSetup(t, 60*time.Second, "")
	exe, _ := faultSharedExe(t)
	var outcomes []faultOutcome
	add := func(name string, ok bool, what string) {
		outcomes = append(outcomes, faultOutcome{name, ok, what})
		if !ok {
			t.Errorf("%s: %s", name, what)
		} else {
			t.Logf("%s: %s", name, what)
		}
	}
	for _, c := range badRunsCases {
		ok, what := badRunsOutcome(t, ctx, exe, c)
		add(c.name, ok, what)
	}
	garbageOK, garbageNote := faultGarbage(t, ctx)
	add("runs full of garbage", garbageOK, garbageNote)
	asideOK, asideNote := faultSetAsideIsAFile(t, ctx)
	add("runs/.setaside is a regular file", asideOK, asideNote)

	failed := 0
	for _, o := range outcomes {
		if !o.ok {
			failed++
		}
	}
	table.add(faultRow{
		scenario: "(d) runs dir a file, unreadable, or full of garbage", containment: "-", iterations: len(outcomes),
		bad: failed, badKind: "unclear/panic",
		note: fmt.Sprintf("%d cases: %d clear errors or warnings, garbage set aside", len(outcomes), len(outcomes)-failed),
	})
}

// faultReapNoPanic runs Reap and turns a panic into an error, so that the
// case shows in the table instead of ending the run.
func faultReapNoPanic(ctx context.Context) (rep *ReapReport, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("PANIC: %v", p)
		}
	}()
	return Reap(ctx, ReapOptions{Logger: faultQuietLogger()})
}

// faultGarbage fills the runs directory with garbage around one real stale
// tree and checks that the tree is reaped and every piece of garbage is
// set aside, reported, and warned about.
func faultGarbage(t *testing.T, ctx context.Context) (bool, string) {
	home := faultHome(t)
	marker := "d-garbage-" + strconv.Itoa(os.Getpid())
	owner := startFaultHelper(t, "fault-owner", faultProcOpts{}, "many", marker, "1")
	t.Cleanup(func() { faultKillMarked(marker) })
	if _, err := owner.await(ctx, "ready"); err != nil {
		t.Fatal(err)
	}
	owner.kill()
	runs := filepath.Join(home, "runs")
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	garbage := map[string]func(path string) error{
		"empty.json":       func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"random.json":      func(p string) error { return os.WriteFile(p, random(4096), 0o600) },
		"random.bin":       func(p string) error { return os.WriteFile(p, random(100), 0o600) },
		"README":           func(p string) error { return os.WriteFile(p, []byte("hello\n"), 0o600) },
		"array.json":       func(p string) error { return os.WriteFile(p, []byte(`[1,2,3]`), 0o600) },
		"null.json":        func(p string) error { return os.WriteFile(p, []byte(`null`), 0o600) },
		"string.json":      func(p string) error { return os.WriteFile(p, []byte(`"record"`), 0o600) },
		"wrong-types.json": func(p string) error { return os.WriteFile(p, []byte(`{"version":"1","tree":7,"leader":[]}`), 0o600) },
		"partial.json":     func(p string) error { return os.WriteFile(p, []byte(`{"version":1,"tree":"1.2.3"}`), 0o600) },
		"huge-number.json": func(p string) error { return os.WriteFile(p, []byte(`{"version":1e999}`), 0o600) },
		"deep.json":        func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte("["), 20000), 0o600) },
		"huge.json":        func(p string) error { return os.WriteFile(p, random(1<<20), 0o600) },
		"sparse-1GiB.json": func(p string) error { return faultSparse(p, 1<<30) },
		"dir.json":         func(p string) error { return os.Mkdir(p, 0o700) },
		"plain-dir":        func(p string) error { return os.Mkdir(p, 0o700) },
		"fifo.json":        func(p string) error { return unix.Mkfifo(p, 0o600) },
		"dev-zero.json":    func(p string) error { return os.Symlink("/dev/zero", p) },
		"dangling.json":    func(p string) error { return os.Symlink("/nonexistent/x.json", p) },
		"loop.json":        func(p string) error { return os.Symlink(p, p) },
		"cg-1.2.3.json": func(p string) error {
			return os.WriteFile(p, []byte(`{"version":1,"tree":"1.2.3","containment":"cgroup","cgroup":"/"}`), 0o600)
		},
		"utf8-\xff\xfe.json": func(p string) error { return os.WriteFile(p, random(10), 0o600) },
	}
	for i := range 200 { // volume: many bad files must not slow or stop the sweep
		garbage[fmt.Sprintf("bulk-%03d.json", i)] = func(p string) error { return os.WriteFile(p, random(rng.IntN(300)), 0o600) }
	}
	for name, create := range garbage {
		if err := create(filepath.Join(runs, name)); err != nil {
			t.Fatalf("garbage %s: %v", name, err)
		}
	}
	var logs bytes.Buffer
	start := time.Now()
	rep, err := func() (rep *ReapReport, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("PANIC: %v", p)
			}
		}()
		return Reap(ctx, ReapOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	}()
	elapsed := time.Since(start)
	if err != nil {
		return false, fmt.Sprintf("Reap: %v", err)
	}
	var problems []string
	aside := map[string]bool{}
	for _, s := range rep.SetAside {
		aside[s.File] = true
	}
	for name := range garbage {
		if !aside[name] {
			problems = append(problems, name+" not reported")
		}
		if pathExists(filepath.Join(runs, name)) {
			problems = append(problems, name+" still in runs")
		}
	}
	warnings := strings.Count(logs.String(), "level=WARN")
	if warnings < len(garbage) {
		problems = append(problems, fmt.Sprintf("%d warnings for %d bad entries", warnings, len(garbage)))
	}
	if len(rep.Reaped) != 1 {
		problems = append(problems, fmt.Sprintf("%d trees reaped, want the one real tree", len(rep.Reaped)))
	}
	if left := faultSurvivors(marker, 2*time.Second); len(left) > 0 {
		problems = append(problems, fmt.Sprintf("survivors: %v", left))
	}
	slices.Sort(problems)
	if len(problems) > 0 {
		return false, strings.Join(problems, "; ")
	}
	return true, fmt.Sprintf("%d entries set aside with %d warnings, the real tree reaped, in %v", len(rep.SetAside), warnings, elapsed.Round(time.Millisecond))
}

func faultSparse(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Truncate(size), f.Close())
}

// faultSetAsideIsAFile blocks the set-aside directory with a file: the
// garbage cannot be moved, which must be a warning, not a failed sweep.
func faultSetAsideIsAFile(t *testing.T, ctx context.Context) (bool, string) {
	faultHome(t)
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(store.Dir(), ".setaside"), []byte("in the way"), 0o600)
	os.WriteFile(filepath.Join(store.Dir(), "bad.json"), []byte("{"), 0o600)
	var logs bytes.Buffer
	rep, err := Reap(ctx, ReapOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	switch {
	case err != nil:
		return false, fmt.Sprintf("Reap: %v", err)
	case !strings.Contains(logs.String(), "record set aside"):
		return false, "no warning about the bad record: " + logs.String()
	case pathExists(filepath.Join(store.Dir(), "bad.json")) || !pathExists(filepath.Join(store.Dir(), ".setaside"+"-bad.json")):
		return false, "the bad record was not hidden in place when .setaside was unusable"
	case len(rep.SetAside) != 1:
		return false, fmt.Sprintf("reported as set aside: %d, want 1", len(rep.SetAside))
	}
	logs.Reset()
	if _, err := Reap(ctx, ReapOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil || strings.Contains(logs.String(), "bad.json") {
		return false, fmt.Sprintf("second Reap read the hidden record again: %v %s", err, logs.String())
	}
	return true, "warned, hidden in place as .setaside-bad.json, not read again"
}

// ---- the table -------------------------------------------------------------

type faultRow struct {
	scenario, containment string
	iterations            int
	bad                   int
	badKind               string
	note                  string
}

type faultTable struct {
	mu   sync.Mutex
	rows []faultRow
}

func (ft *faultTable) add(r faultRow) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.rows = append(ft.rows, r)
}

func (ft *faultTable) render() string {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var b bytes.Buffer
	fmt.Fprintf(&b, "corral fault-injection suite, %s, pid %d\n", time.Now().UTC().Format(time.RFC3339), os.Getpid())
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tcontainment\titerations\tsurvivors/foreign signalled\tresult\tnotes")
	for _, r := range ft.rows {
		result := "PASS"
		if r.bad != 0 {
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d %s\t%s\t%s\n", r.scenario, r.containment, r.iterations, r.bad, r.badKind, result, r.note)
	}
	tw.Flush()
	return b.String()
}

// publish logs the table, prints it on stdout and appends it to
// $CORRAL_FAULT_REPORT.
func (ft *faultTable) publish(t *testing.T) {
	s := ft.render()
	t.Log("\n" + s)
	fmt.Fprint(os.Stdout, "\n"+s)
	if path := os.Getenv("CORRAL_FAULT_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = f.WriteString(s + "\n")
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			t.Errorf("write fault report: %v", err)
		}
	}
}
