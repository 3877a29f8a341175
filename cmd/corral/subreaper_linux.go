package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/sys"
	"github.com/corralrun/corral/runners/base"
	"golang.org/x/sys/unix"
)

// loop reaps adopted orphans at every SIGCHLD until quit, then once more.
// SIGCHLD signals coalesce, so each one triggers a scan of every zombie
// child rather than one reap.
func (r *orphanReaper) loop(leader int) {
	defer close(r.done)
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	defer signal.Stop(sigchld)
	self := os.Getpid()
	r.reap(self, leader) // orphans that died before we listened
	for {
		select {
		case <-sigchld:
			r.reap(self, leader)
		case <-r.quit:
			r.reap(self, leader)
			return
		}
	}
}

// reap waits for every zombie whose parent is self, the leader aside.
// While corral runs a command it starts no other child, so every such
// zombie is an adopted orphan. wait4 on a PID that is our zombie child
// cannot hit another process: a zombie's PID is not reused before its
// parent reaps it.
func (r *orphanReaper) reap(self, leader int) {
	for _, pid := range procfs.ZombieChildren(self, leader) {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if err != nil && !errors.Is(err, unix.ECHILD) {
			r.logger.Debug("corral: reap orphan", "pid", pid, "err", err)
			continue
		}
		if got == pid {
			r.logger.Debug("corral: reaped orphan", "pid", pid, "status", ws.ExitStatus())
		}
	}
}

// orphanKillFor bounds killOrphans: orphans of orphans keep arriving for
// as long as killed ones had children.
const orphanKillFor = 2 * time.Second

// killOrphans kills every live child of corral but its guardian, in
// passes until none is left or orphanKillFor has passed. It runs once
// the tree has been waited for: the leader is reaped, corral starts no
// other child while the tree runs, so every such child is an orphan the
// tree left, re-parented to corral as its subreaper, whichever group,
// session or environment it chose (`setsid env -i daemon` included,
// which the tree's CORRAL_TREE mark cannot find). Each is pinned by a
// pidfd and checked to be corral's child still before its signal.
func (r *orphanReaper) killOrphans() {
	self := os.Getpid()
	deadline := time.Now().Add(orphanKillFor)
	for {
		left := 0
		for _, pid := range procfs.LiveChildren(self) {
			if _, guardian := procfs.EnvironValue(pid, base.GuardianEnv); guardian {
				continue
			}
			left++
			err := sys.SignalVerified(pid, syscall.SIGKILL, func() bool {
				st, err := procfs.ReadStat(pid)
				return err == nil && st.PPID == self
			})
			if err != nil && !errors.Is(err, sys.ErrNotOurs) {
				r.logger.Debug("corral: kill orphan", "pid", pid, "err", err)
			} else if err == nil {
				r.logger.Info("corral: killed a process the tree left behind, adopted as an orphan", "pid", pid)
			}
		}
		if left == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond) // let the killed die and their children be re-parented
	}
}
