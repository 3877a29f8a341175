package proctest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// Clause 7: stdin and stdout pipes.
var pipeTests = []test{
	{"Pipes/StdinAndStdout", 7, testPipes},
	{"Pipes/StdinToExitedChild", 7, testStdinToExitedChild},
}

// Stdin reaches the child through StdinPipe and its stdout comes back,
// byte for byte, through StdoutPipe, which sees EOF after exit; stderr
// still goes to the writer. Both pipes must be asked for before Start.
func testPipes(t *testing.T, f *fixture) {
	p := f.sh(`cat; echo done >&2`)
	in, err := p.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	rec := &recorder{}
	p.WithOutput(rec)
	if err := p.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.StdinPipe(); !errors.Is(err, base.ErrAlreadyStarted) {
		t.Errorf("StdinPipe after Start = %v, want ErrAlreadyStarted", err)
	}
	if _, err := p.StdoutPipe(); !errors.Is(err, base.ErrAlreadyStarted) {
		t.Errorf("StdoutPipe after Start = %v, want ErrAlreadyStarted", err)
	}
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, more than a pipe holds
	wrote := make(chan error, 1)
	go func() {
		_, err := in.Write(payload)
		wrote <- errors.Join(err, in.Close())
	}()
	got, err := io.ReadAll(out) // EOF after exit
	if werr := <-wrote; werr != nil {
		t.Errorf("writing stdin: %v", werr)
	}
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("stdout: %d bytes, %v; want the %d bytes of stdin", len(got), err, len(payload))
	}
	if err := p.Wait(f.ctx); err != nil {
		t.Fatal(err)
	}
	if w := rec.all(); !slices.Equal(w, []string{"done\n"}) {
		t.Fatalf("writer got %q, want stderr's one line", w)
	}
}

// Writing more stdin than a pipe holds to a child that exits without
// reading it fails instead of blocking the caller.
func testStdinToExitedChild(t *testing.T, f *fixture) {
	p := f.sh(`exit 0`)
	in, err := p.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() { _, err := in.Write(make([]byte, 10<<20)); wrote <- err }()
	select {
	case err := <-wrote:
		if err == nil {
			t.Error("writing 10 MiB to the stdin of a child that exited without reading succeeded")
		}
	case <-f.ctx.Done():
		t.Error("writing to the stdin of an exited child blocked until the test's deadline")
		in.Close() // unblocks the Write, or the goroutine leak is reported too
		select {
		case <-wrote:
		case <-time.After(cleanupTimeout):
		}
	}
	in.Close()
	if err := p.Wait(f.ctx); err != nil {
		t.Errorf("Wait = %v", err)
	}
}
