package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// jobControl makes a command that runs as the terminal's foreground job
// behave as a shell's job when it is stopped (Ctrl-Z, SIGTSTP): corral
// takes the terminal back and stops itself, so that the shell that started
// corral sees its job stopped and gets the terminal; when corral is
// continued (fg or bg), it continues the command, handing it the terminal
// again if corral is in the foreground. Without it, a stopped command would
// keep the terminal with nobody to give it back.
type jobControl struct {
	quit chan struct{}
	done chan struct{}
}

// followJobControl starts watching leader, the command's first process
// and process group, until stop is called.
func followJobControl(tty *os.File, leader int, logger *slog.Logger) *jobControl {
	j := &jobControl{quit: make(chan struct{}), done: make(chan struct{})}
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	go func() {
		defer close(j.done)
		defer signal.Stop(sigchld)
		for {
			select {
			case <-j.quit:
				return
			case <-sigchld:
				if leaderStopped(leader) {
					suspendWith(tty, leader, logger)
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

// leaderStopped reports, without consuming the report, whether the leader
// is stopped (waitid(2) with WSTOPPED|WNOWAIT|WNOHANG).
func leaderStopped(leader int) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, leader, &info, unix.WSTOPPED|unix.WNOWAIT|unix.WNOHANG, nil)
	return err == nil && info.Signo == int32(unix.SIGCHLD)
}

// suspendWith stops corral while the command is stopped, then continues
// the command when corral is continued.
func suspendWith(tty *os.File, leader int, logger *slog.Logger) {
	if err := reclaimTerminal(tty); err != nil {
		logger.Warn("corral: take the terminal back", "err", err)
	}
	stopSelf()
	if foregroundTerminal(tty) != nil {
		if err := unix.IoctlSetPointerInt(int(tty.Fd()), unix.TIOCSPGRP, leader); err != nil {
			logger.Warn("corral: hand the terminal back", "err", err)
		}
	}
	syscall.Kill(-leader, syscall.SIGCONT)
}

// stopSelf stops corral with SIGTSTP, as the terminal would, and returns
// once it has been continued. kill(2) to oneself returns before the stop
// has reached every thread, so the return is ordered by the SIGCONT that
// ends the stop. The kernel discards SIGTSTP in an orphaned process group
// (no shell left to continue it); then no SIGCONT comes, and the bound
// lets the command go on. While stopped, no timer fires: when corral is
// continued after any length of time, it goes on at once.
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
