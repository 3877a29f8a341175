package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// jobControl makes the command behave as a shell's job when corral runs
// on its controlling terminal, in the foreground or not:
//
//   - When the command's leader stops (Ctrl-Z, or SIGTTIN/SIGTTOU on
//     touching the terminal from the background), corral takes back the
//     terminal if, and only if, it had handed it to the command, then
//     stops itself with SIGTSTP: the shell sees its job stopped and gets
//     the terminal.
//   - Whenever corral is continued (fg, bg), it continues the whole tree,
//     and, when corral is then the terminal's foreground job (fg), hands
//     the terminal to the command first, so Ctrl-Z and Ctrl-C reach the
//     command again.
//
// corral leaves SIGTSTP to the kernel (os/signal cannot give a watched
// signal its default action back): a SIGTSTP sent to corral itself stops
// corral alone.
//
// Signals go through base.NativeProc.Signal, which refuses once the
// leader was reaped: a recycled group id is never signalled.
type jobControl struct {
	quit chan struct{}
	done chan struct{}
}

// followJobControl starts watching proc, whose leader is also its process
// group, until stop is called.
func followJobControl(tty *os.File, proc jobProc, logger *slog.Logger) *jobControl {
	j := &jobControl{quit: make(chan struct{}), done: make(chan struct{})}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGCONT)
	t := &terminalJob{tty: tty, proc: proc, leader: proc.PID(), logger: logger}
	go func() {
		defer close(j.done)
		defer signal.Stop(sigs)
		if leaderStopped(t.leader) { // stopped before corral listened
			t.suspend()
		}
		for {
			select {
			case <-j.quit:
				return
			case s := <-sigs:
				switch s {
				case syscall.SIGCHLD:
					if leaderStopped(t.leader) {
						t.suspend()
					}
				case syscall.SIGCONT:
					t.resume()
				}
			}
		}
	}()
	return j
}

// stop ends the watch; it returns once the watching goroutine has.
func (j *jobControl) stop() {
	close(j.quit)
	<-j.done
}

// terminalJob is the command as a job of corral's terminal.
type terminalJob struct {
	tty    *os.File
	proc   jobProc
	leader int
	logger *slog.Logger
}

// suspend follows a stop of the command's leader.
//
//   - The command held the terminal (Ctrl-Z): corral takes it back and
//     stops, so the shell sees its job stopped.
//   - corral is the terminal's foreground job (fg raced the command, which
//     stopped on touching the terminal before corral handed it over):
//     corral hands it over and continues the command.
//   - corral is in the background: it stops along with the command.
func (t *terminalJob) suspend() {
	switch {
	case terminalHeldBy(t.tty, t.leader):
		if err := reclaimTerminal(t.tty); err != nil {
			t.logger.Warn("corral: take the terminal back", "err", err)
		}
	case foregroundTerminal(t.tty) != nil:
		t.resume()
		return
	}
	stopSelf()
	t.resume()
}

// resume continues the tree, first handing it the terminal when corral is
// the terminal's foreground job.
func (t *terminalJob) resume() {
	if foregroundTerminal(t.tty) != nil {
		if err := unix.IoctlSetPointerInt(int(t.tty.Fd()), unix.TIOCSPGRP, t.leader); err != nil {
			return // the leader's group is gone: nothing to continue
		}
	}
	t.proc.Signal(syscall.SIGCONT)
}

// leaderStopped reports, without consuming the report, whether the leader
// is stopped (waitid(2) with WSTOPPED|WNOWAIT|WNOHANG).
func leaderStopped(leader int) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, leader, &info, unix.WSTOPPED|unix.WNOWAIT|unix.WNOHANG, nil)
	return err == nil && info.Signo == int32(unix.SIGCHLD)
}

// stopSelf stops corral with SIGTSTP, as the terminal would, and returns
// once it has been continued. kill(2) to oneself returns before the stop has reached every thread, so
// the return is ordered by the SIGCONT that ends the stop. The kernel
// discards SIGTSTP in an orphaned process group (no shell left to continue
// it); then no SIGCONT comes, and the bound lets the command go on. While
// stopped, no timer fires: when corral is continued after any length of
// time, it goes on at once.
func stopSelf() {
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	defer signal.Stop(cont)
	syscall.Kill(os.Getpid(), syscall.SIGTSTP)
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-cont:
	case <-t.C:
	}
}
