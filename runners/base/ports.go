package base

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Backoff bounds for WaitForPortUnbound: probe soon after a release, but
// do not spin on a port that stays held.
const (
	portPollFirst = 10 * time.Millisecond
	portPollMax   = 250 * time.Millisecond
)

// FindFreePort asks the operating system for a free TCP port on 127.0.0.1
// and returns it, with nothing listening on it any more. Another process
// may take the port before the caller binds it; a caller that cannot
// tolerate that must retry.
func FindFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("find free port: close listener on %d: %w", port, err)
	}
	return port, nil
}

// IsFreePort reports whether a TCP listener could bind port on all
// interfaces right now. It also checks 127.0.0.1, because on darwin a
// listener on the loopback address alone does not stop a wildcard bind
// there, while it still stops a server that binds 127.0.0.1. A port
// outside 1–65535 is never free. The answer may be stale by the time the
// caller acts on it.
//
// Connections lingering in TIME_WAIT do not count: like every Go listener,
// the probe sets SO_REUSEADDR, so a server written in Go could bind too.
func IsFreePort(port int) bool {
	if port < 1 || port > 65535 {
		return false
	}
	p := strconv.Itoa(port)
	return canBind(":"+p) && canBind("127.0.0.1:"+p)
}

// canBind reports whether a TCP listener could bind addr, releasing it at
// once.
func canBind(addr string) bool {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	_ = ln.Close() // a listener that never accepted has nothing to lose
	return true
}

// WaitForPortUnbound returns nil once IsFreePort(port) holds, probing with
// a backoff of 10 ms doubling up to 250 ms. When ctx is done first it
// returns ctx.Err() wrapped with the port. A port outside 1–65535 is an
// error at once, as it could never become free.
func WaitForPortUnbound(ctx context.Context, port int) error {
	return waitForPortUnbound(ctx, port, IsFreePort)
}

// waitForPortUnbound is WaitForPortUnbound with the probe given, so tests
// can observe when the wait has begun.
func waitForPortUnbound(ctx context.Context, port int, isFree func(int) bool) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("wait for port %d to be unbound: port out of range 1-65535", port)
	}
	delay := portPollFirst
	// Since Go 1.23 a Reset timer never delivers a value from before the
	// Reset, so one stopped timer serves every round.
	timer := time.NewTimer(portPollMax)
	timer.Stop()
	defer timer.Stop()
	for !isFree(port) {
		timer.Reset(delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for port %d to be unbound: %w", port, ctx.Err())
		case <-timer.C:
		}
		delay = min(2*delay, portPollMax)
	}
	return nil
}
