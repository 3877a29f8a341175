// Package base is corral's runner foundation: the RunnerEnvironment and
// Proc abstractions, the Native backend, and the supervision that makes
// every backend keep the same promise: every process a Proc starts, and
// every descendant of it, is stopped when asked, when the start context is
// cancelled, and after the supervisor itself dies, and no process that is
// not provably ours is ever signalled.
//
// # Lifecycle
//
// A Proc is configured, started once (Start or Run) and cannot be reused,
// as an os/exec Cmd. Wait may be called by any number of goroutines; they
// all get the result Run would return. A process that ends because we
// stopped it is not an error: Run and Wait return nil after Stop, and the
// context's error after the start context was cancelled. Misuse returns a
// sentinel error (ErrAlreadyStarted, ErrStopped, ErrNotStarted), never a
// panic.
//
// A tree never outlives its leader: when the leader exits, whatever it
// left running in its tree (a daemonised child, a forgotten background
// job) gets SIGTERM, the grace period, then SIGKILL, before Wait returns.
// Cancelling the start context stops the tree as Stop does, grace period
// included.
//
// # Output
//
// With WithOutput, each line of stdout and stderr reaches the writer in a
// single Write, newline included, up to a cap (64 MiB unless
// WithMaxLineLength says otherwise: a 10 MiB line arrives whole); a longer
// line is delivered in cap-sized Writes, so the supervisor's memory stays
// bounded whatever the child prints. The two streams share one lock, so
// lines never interleave. A last line without newline
// is delivered as it is. Without a writer, the child's output goes to
// /dev/null. If the writer fails, later lines are read and dropped, so the
// child never blocks, and Run reports the writer's error if the process
// itself succeeded (as os/exec does). Once the tree is gone, output still
// held open by a process outside it is closed after 5 seconds.
//
// # Beyond Proc
//
// The Procs of the Native and Nix backends run on this host and are
// HostProcs: a type assertion gives the leader's PID (for TrackedProcess,
// or job control), Signal to the whole tree, StopWithSignal, StdinPipe,
// StdoutPipe, WithStdio and WithForeground. A StdoutPipe is the caller's
// to read and close: Wait does not close it and does not wait for it to
// be read, but a tree that writes more than the pipe holds blocks, and
// Wait with it, until the pipe is read.
//
// # Containment
//
// Each tree gets a containment of its own, chosen once per process by a
// kernel probe (DetectContainment; CORRAL_CONTAINMENT=pgroup forces the
// fallback):
//
//   - cgroup: on Linux with a writable cgroup v2 hierarchy (unified
//     /sys/fs/cgroup, hybrid /sys/fs/cgroup/unified, or the nearest
//     writable ancestor of the caller's own cgroup, such as a systemd
//     user's delegated subtree), a directory corral/<home key>/<tree> is created and
//     the child is cloned straight into it (CLONE_INTO_CGROUP), so no
//     instruction of the program runs outside. SIGTERM goes to every
//     member, each pinned by a pidfd and checked to still be a member;
//     SIGKILL is cgroup.kill; "the tree is empty" is cgroup.events. A
//     grandchild that calls setsid or double-forks is still stopped.
//     The tree's cgroup is removed with the tree; the home's directory
//     above it is kept for the next tree and removed, once empty, by Reap.
//     Each tree cgroup carries its tree id in the user.corral.tree xattr,
//     which Reap checks before acting on a record naming it.
//   - pgroup: elsewhere (darwin, no cgroup v2, no write access), the child
//     leads a new process group. Members that leave the group are still
//     found on Linux by the CORRAL_TREE variable every process of the tree
//     inherits. A tree started from inside another one (a corral run in
//     a corral run) also carries CORRAL_TREE_ANCESTRY, the ids of the
//     trees around it, and is a member of each of them: stopping the
//     outer tree stops the inner one, whatever the inner supervisor
//     does. Whether the tree is empty is judged from a walk of
//     /proc that also looks at every PID the kernel handed out while it
//     ran (ns_last_pid), so a process forked mid-walk by a parent that
//     then exited is not missed; SIGKILL goes out in passes until such a
//     walk finds no member; and the reaper keeps a record while any
//     member is left. A descendant that hops from PID to PID (forks a
//     setsid successor and exits, in a loop) is therefore stopped.
//     The limit: a descendant that leaves the group and no
//     longer shows CORRAL_TREE in /proc/PID/environ escapes. That is one
//     that clears its environment (env -i, execve with a new one), and
//     also one that rewrites its environment block in place: a process
//     title set the setproctitle way (Perl's $0, Ruby's
//     Process.setproctitle, PostgreSQL, nginx) overwrites the memory
//     /proc/PID/environ shows, so the variable reads as gone even though
//     the process never cleared it. A live supervisor and the reaper
//     alike judge by that file. On darwin any descendant that leaves the
//     group escapes. Where these matter, use cgroup containment, which
//     no process of the tree can leave without root.
//
// The group is signalled as a whole only while its leader is our unreaped
// child: the proc waits for the leader with waitid(WNOWAIT), stops the
// rest of the tree, and reaps the leader last, so the group id cannot have
// been recycled under it.
//
// # Records and the reaper
//
// Before a program runs, a record of its tree is on disk in
// $CORRAL_HOME/runs (default ~/.corral/runs; CORRAL_HOME is read at every
// use): a directory 0700, files 0600, each written to a temporary file and
// renamed into place. There is no fsync: a record must outlive its owner,
// not the machine, and a reboot ends every tree it names. The record is
// written before the containment is created and the child started, so it
// names the tree, not its leader: its file is cg-<tree>.json or
// pg-<tree>.json (a file named after a PID could be overwritten by a tree
// whose leader got a recycled PID while the old tree's escapers live on).
// A record holds the tree id, the containment (and the cgroup's path), the
// owner's identity (PID, start time, PID namespace), the boot id, the
// user, the executable's base name and the grace period: never arguments
// or environment. The leader's identity is recorded only by WritePgidFile,
// whose records are named <leader PID>.json. A record is removed once the
// tree is gone.
//
// Reap (and ReapStaleProcessGroups) stops the trees whose owner is dead,
// repeating passes until one finds nothing, serialised across processes by
// a lock on runs/.lock. It signals a process only if it can prove the
// process belongs to the tree: membership of the tree's cgroup (a cgroup2
// directory of this user, named after the record's owner and marked with
// the tree's id), or, for a process of the record's user (of any user
// when that user is root: a root tree's daemon may drop privileges and is
// still the tree's, and supervision, emptiness and the reaper use that one
// rule), the tree's CORRAL_TREE value in its environment or, for
// WritePgidFile records,
// membership of the group of a leader whose PID and start time still
// match. Every process is pinned with a pidfd before the check that
// precedes its signal. A record of another boot is simply removed. An
// owner in another PID namespace cannot be judged by its PID from here:
// every owner also holds, for its whole life, a flock on
// runs/.owner-<namespace>-<pid>-<start>.lock, which the kernel releases
// when it dies; a reaper that can take that lock knows the owner is dead
// and stops its tree as any other (membership is proven as always: the
// cgroup and its mark, or CORRAL_TREE). Without such a lock (an owner of
// an older corral) the tree is never signalled, and its record is
// forgotten once nothing of the tree is left and the record is a minute
// old. A record that
// is malformed, larger than 64 KiB, a symlink, not a regular file, another
// user's, or names something that is not our cgroup is moved to
// runs/.setaside with a warning and never acted on.
//
// # The guardian: cleanup right after a crash
//
// The reaper acts when the next corral command runs. With WithGuardian
// (on for `corral run`, off by default for library users: it is one more
// process, and a fork and exec on the first guarded Start), the trees of
// an owner that dies by SIGKILL are stopped at once instead: stop signal,
// grace period, SIGKILL, as the reaper does, because it is the reaper.
//
// A guardian is one per owner process (per corral home), not per tree.
// The first guarded Start while the owner has no live guarded tree starts
// it, before anything of the tree is on disk (owner lock, record,
// cgroup); the end of the owner's last guarded tree, after its record is
// removed, ends it (SIGKILL through its pidfd, then wait: no zombie). It
// is the owner's own binary re-executed (/proc/self/exe on Linux), in /,
// in a session and process group of its own, so that neither a terminal's
// signals nor a signal to the owner's group reach it, and outside every
// tree: it stays in the owner's cgroup and does not carry the tree's
// CORRAL_TREE (when the owner runs inside another corral tree, the
// guardian belongs to that outer tree as the owner does). It ignores
// SIGINT, SIGHUP and SIGQUIT, which only a terminal would send, but not
// SIGTERM: whoever stops the owner's whole cgroup or enclosing tree
// stops the guardian without waiting out a grace period. Its stdin and
// stdout are /dev/null; its stderr is the owner's, for warnings, unless
// that is a pipe or socket whose reader may wait for EOF.
//
// The owner holds the write end of a pipe (O_CLOEXEC: no tree, and not
// the guardian, inherits it); the read end is the guardian's fd 3, named
// with the owner's identity in the CORRAL_GUARDIAN variable of the
// guardian's environment, next to CORRAL_HOME set to the home the owner
// resolved. An init function of this package checks CORRAL_GUARDIAN
// before the program's main runs: every program that links runners/base
// gets this hook, as with the reexec pattern, and a guardian never
// returns to main (a CORRAL_GUARDIAN that is not a guardian's makes the
// program exit 2 with a message). The owner never sets the variable in
// its own environment, so no tree sees it.
//
// The guardian blocks reading the pipe. EOF means the owner has died: the
// kernel closes a dying process's files, however it dies. It then waits
// for the owner to be provably dead (a pidfd polls readable once it is a
// zombie; the files close a moment earlier), runs Reap once and exits. So
// it needs no rule of its own: Reap acts only on records whose owner is
// dead by its identity (or, from another PID namespace, by its released
// owner lock), proves every process it signals is the tree's, and never
// signals itself, its ancestors or its own group (it cannot be in a tree
// it reaps: it is in none of them). A forged record is as harmless to it
// as to any `corral reap`. Since it reaps every dead owner's trees of the
// home, one guardian covers all of its owner's trees, and one started
// again after the first was killed covers the older trees too. After the
// reap, nothing of ours is left. Should the guardian die as well (killed
// with the owner's whole cgroup, or the machine rebooting), the next
// corral command reaps as before: the reaper stays the safety net.
//
// `corral run` with process groups is a child subreaper that reaps its
// adopted orphans; the guardian is a direct child, never an orphan, but
// once it has been killed its zombie may be reaped by either side. Its
// owner's wait then fails with ECHILD and nothing is left; the kill went
// through a pidfd, so it could not reach a recycled PID.
//
// # Environment variables
//
// A native process sees the host's environment, then the environment's
// variables, then its own, the last value of a key winning, then the
// appends in call order. Variables are read at Start, so the environment's
// variables set after NewProcess still apply; the caller's values are
// copied, never modified. Every process also gets CORRAL_TREE, its tree's
// id.
//
// # Layers
//
// This package is the seed's façade. What every backend shares lives in
// internal packages it is built from (docs/ARCHITECTURE.md): identities,
// records, their store and the reap decision (internal/records); line
// output (internal/lines); the environment merge over an inherited
// environment (internal/envmerge); the stop sequence (internal/stop); the
// pidfd-verified signal (internal/sys); cgroup primitives
// (internal/cgroup); /proc (internal/procfs). The containment kind is
// ContainmentKind, an alias of the records' kind, so that reports of
// trees and of containers share one type.
//
// # The Nix backend
//
// NixEnvironment runs processes in a flake's dev shell (the flake is
// named path:<abs dir>, so a dirty or untracked git tree works). A
// NixProc is a NativeProc with another inherited environment: the same
// containment, record, reaper and contract. Before Init it runs wrapped,
// as `nix develop --quiet path:<dir> --command /bin/sh -c … BIN ARGS`: the
// sh trampoline re-applies the environment's and the process's variables
// and appends inside the shell, so they win over the shell's as in
// materialised mode (a key that is not an sh name is given to nix's
// environment instead, where the shell's value would win). nix runs with
// a TMPDIR of our own, removed once the tree is gone, so no nix-shell.*
// directory is left behind; the program sees TMPDIR inside it, as under
// nix develop. A wrapped-mode binary not on the host's PATH is looked up
// on the shell's, which costs one nix run (or cache hit) per environment.
//
// Init materialises the shell once (`nix print-dev-env --json`, see
// internal/nixshell), or takes it from the WithCacheDir directory without
// running nix. A process then inherits the host's environment with the
// shell's exported variables over it, as nix develop gives them: the
// build-only variables dropped, the host's HOME, TMPDIR, TERM and USER
// kept, PATH the shell's followed by the host's. Then the environment's
// variables, the process's, and the appends, as for Native. A flake that
// fails to evaluate or build makes Init fail with nix's own message;
// nothing falls back to wrapped mode silently (processes created after a
// failed Init still run wrapped, and show nix's error themselves).
//
// NewNixEnvironment runs no nix: whether flakes are enabled is checked
// when nix first runs (Init on a cache miss, the first wrapped Start), so
// that a cache hit needs no nix at all; the error names the setting to
// add. The shell is protected from garbage collection by a GC root, a
// --profile in the cache directory, or without one a temporary profile
// that Shutdown removes.
//
// # Logging
//
// The package logs only through log/slog (WithLogger, else slog.Default)
// and never prints. It logs the executable's base name and the number of
// arguments, never the arguments.
package base
