package proctest

import (
	"io"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

// Clause 10: goroutines.
var goroutineTests = []test{
	{"Goroutines/NoneOutliveProc", 10, testNoGoroutineOutlivesProc},
}

// Once a proc has finished — run to its end, stopped, or with its pipes
// read to EOF — none of the goroutines it started is left. Goroutines
// that existed before (the environment's own, once it ran a first
// process) are not counted; see Backend.LeakOptions for others.
func testNoGoroutineOutlivesProc(t *testing.T, f *fixture) {
	f.runLine(f.sh(`echo warm-up`))
	opts := slices.Concat([]goleak.Option{goleak.IgnoreCurrent()}, f.leak)

	f.runLine(f.sh(`echo run`))
	tr, _ := f.startTree(child)
	if err := tr.Stop(f.ctx); err != nil {
		t.Fatal(err)
	}
	p := f.sh(`cat; echo stderr >&2`)
	in, err := p.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	in.Write([]byte("piped\n"))
	in.Close()
	if b, err := io.ReadAll(out); string(b) != "piped\n" || err != nil {
		t.Fatalf("stdout %q, %v", b, err)
	}
	out.Close()
	if err := p.Wait(f.ctx); err != nil {
		t.Fatal(err)
	}

	if err := goleak.Find(opts...); err != nil {
		t.Fatalf("goroutines left after every proc finished: %v", err)
	}
}
