package base

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// startWithStdoutPipe starts sh -c script with its stdout on a pipe.
func startWithStdoutPipe(t *testing.T, script string) (*NativeProc, io.ReadCloser) {
	t.Helper()
	t.Setenv("CORRAL_HOME", t.TempDir())
	env, err := NewNativeEnvironment(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.NewProcess("sh", "-c", script)
	if err != nil {
		t.Fatal(err)
	}
	proc := p.(*NativeProc)
	out, err := proc.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Stop(context.Background()); out.Close() })
	return proc, out
}

// StdoutPipe, as documented: Wait neither closes the pipe nor waits for
// it to be read, so what the tree wrote is read after Wait, up to EOF.
func TestStdoutPipeReadableAfterWait(t *testing.T) {
	proc, out := startWithStdoutPipe(t, "echo leader; sh -c 'echo child'")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := proc.Wait(ctx); err != nil {
		t.Fatalf("Wait with the pipe unread: %v", err)
	}
	b, err := io.ReadAll(out)
	if err != nil || string(b) != "leader\nchild\n" {
		t.Fatalf("read after Wait: %q, %v; want both lines, then EOF", b, err)
	}
}

// StdoutPipe, as documented: a tree that writes more than the pipe holds
// blocks until it is read, and Wait with it; a reader lets it finish.
func TestStdoutPipeFullBlocksWait(t *testing.T) {
	// 4 MiB: more than a pipe holds (64 KiB by default, at most
	// /proc/sys/fs/pipe-max-size, 1 MiB by default, and we never resize).
	proc, out := startWithStdoutPipe(t, "head -c 4194304 /dev/zero")
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := proc.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a full, unread pipe = %v; want it still waiting", err)
	}
	n := make(chan int64, 1)
	go func() { c, _ := io.Copy(io.Discard, out); n <- c }()
	ctx, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if err := proc.Wait(ctx); err != nil {
		t.Fatalf("Wait once the pipe is read: %v", err)
	}
	if got := <-n; got != 4<<20 {
		t.Fatalf("read %d bytes, want %d", got, 4<<20)
	}
}
