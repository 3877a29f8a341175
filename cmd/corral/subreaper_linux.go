package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/corralrun/corral/internal/procfs"
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
