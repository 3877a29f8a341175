package base

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// portTestTimeout bounds every port test; they normally take milliseconds.
const portTestTimeout = 10 * time.Second

// listenPort holds a TCP port on addr ("127.0.0.1:0", ":0") until the test
// ends or the caller closes the listener.
func listenPort(t *testing.T, addr string) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

func TestFindFreePort(t *testing.T) {
	port, err := FindFreePort()
	if err != nil {
		t.Fatalf("FindFreePort: %v", err)
	}
	if port < 1 || port > 65535 {
		t.Fatalf("FindFreePort = %d, want a port in 1-65535", port)
	}
	// The port was released: we can bind it ourselves.
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("FindFreePort returned %d, which cannot be bound: %v", port, err)
	}
	_ = ln.Close()
}

func TestIsFreePortHeldAndReleased(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", ":0"} {
		t.Run(addr, func(t *testing.T) {
			ln, port := listenPort(t, addr)
			if IsFreePort(port) {
				t.Fatalf("IsFreePort(%d) = true while a listener on %s holds it", port, ln.Addr())
			}
			if err := ln.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if !IsFreePort(port) {
				t.Fatalf("IsFreePort(%d) = false after its only listener closed", port)
			}
		})
	}
}

func TestIsFreePortOutOfRange(t *testing.T) {
	for _, port := range []int{-1, 0, 65536, 1 << 20} {
		if IsFreePort(port) {
			t.Errorf("IsFreePort(%d) = true, want false for a port outside 1-65535", port)
		}
	}
}

func TestWaitForPortUnboundFreePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), portTestTimeout)
	defer cancel()
	port, err := FindFreePort()
	if err != nil {
		t.Fatalf("FindFreePort: %v", err)
	}
	if err := WaitForPortUnbound(ctx, port); err != nil {
		t.Fatalf("WaitForPortUnbound(%d) on a free port: %v", port, err)
	}
}

func TestWaitForPortUnboundReturnsAfterClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), portTestTimeout)
	defer cancel()
	ln, port := listenPort(t, "127.0.0.1:0")

	// The first probe that sees the port held tells the closer to go, so
	// the listener closes only once the wait has begun.
	held := make(chan struct{})
	var once sync.Once
	probe := func(p int) bool {
		free := IsFreePort(p)
		if !free {
			once.Do(func() { close(held) })
		}
		return free
	}
	closed := make(chan error, 1)
	go func() {
		select {
		case <-held:
			closed <- ln.Close()
		case <-ctx.Done():
			closed <- ctx.Err()
		}
	}()

	if err := waitForPortUnbound(ctx, port, probe); err != nil {
		t.Fatalf("waitForPortUnbound(%d): %v", port, err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("closing the listener: %v", err)
	}
	if !IsFreePort(port) {
		t.Fatalf("port %d not free after WaitForPortUnbound returned", port)
	}
}

func TestWaitForPortUnboundDeadline(t *testing.T) {
	_, port := listenPort(t, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()

	start := time.Now()
	err := WaitForPortUnbound(ctx, port)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitForPortUnbound(%d) on a held port = %v, want context.DeadlineExceeded", port, err)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not name port %d", err, port)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("WaitForPortUnbound took %v past a 200ms deadline", elapsed)
	}
}

func TestWaitForPortUnboundCancelled(t *testing.T) {
	_, port := listenPort(t, "127.0.0.1:0")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := WaitForPortUnbound(ctx, port); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitForPortUnbound with a cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestWaitForPortUnboundOutOfRange(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), portTestTimeout)
	defer cancel()
	for _, port := range []int{0, -5, 70000} {
		err := WaitForPortUnbound(ctx, port)
		if err == nil || ctx.Err() != nil {
			t.Fatalf("WaitForPortUnbound(%d) = %v, want an immediate error", port, err)
		}
		if !strings.Contains(err.Error(), strconv.Itoa(port)) {
			t.Errorf("error %q does not name port %d", err, port)
		}
	}
}
