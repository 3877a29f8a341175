package main

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// stopSignals are the names --stop-signal takes, with or without SIG.
var stopSignals = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "WINCH": syscall.SIGWINCH,
}

// parseStopSignal parses --stop-signal: a name above or a number from 1
// to 31 other than KILL and STOP, which a process could not act on (a
// stop that kills at once is --grace 0).
func parseStopSignal(s string) (syscall.Signal, error) {
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := stopSignals[name]; ok {
		return sig, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 31 {
		return 0, fmt.Errorf("want TERM, INT, HUP, QUIT, USR1, USR2, WINCH or a signal number from 1 to 31")
	}
	if sig := syscall.Signal(n); sig == syscall.SIGKILL || sig == syscall.SIGSTOP {
		return 0, fmt.Errorf("a process cannot act on %v; use --grace 0 to kill at once", sig)
	}
	return syscall.Signal(n), nil
}
