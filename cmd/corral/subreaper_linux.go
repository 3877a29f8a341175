package main

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// setSubreaper turns PR_SET_CHILD_SUBREAPER on or off (prctl(2)).
func setSubreaper(on bool) error {
	v := uintptr(0)
	if on {
		v = 1
	}
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, v, 0, 0, 0)
}

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
	for _, pid := range zombieChildren(self, leader) {
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

// zombieChildren lists the zombies in /proc whose parent is parent, but
// exclude.
func zombieChildren(parent, exclude int) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var pids []int
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == exclude {
			continue
		}
		state, ppid, ok := procStateAndParent(pid)
		if ok && state == 'Z' && ppid == parent {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStateAndParent reads the state and parent PID of pid from
// /proc/PID/stat (proc(5)). The command name, field 2, may hold spaces and
// parentheses, so fields are counted from the last ')'.
func procStateAndParent(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 || len(f[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(string(f[1]))
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], ppid, true
}
