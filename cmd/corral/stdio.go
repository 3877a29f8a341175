package main

import (
	"io"
	"os"
	"sync"
)

// childStdio holds the files `corral run` gives its command as stdin,
// stdout and stderr. A stream of corral that is a file is given as it is,
// so a terminal stays a terminal and `> file` writes straight to the file;
// any other writer (a buffer, in tests) is fed through a pipe.
type childStdio struct {
	in, out, err *os.File

	childEnds []*os.File // write ends of our pipes, closed once the child has them
	readers   []*os.File // read ends, closed by their copier at EOF
	copies    sync.WaitGroup
}

func newChildStdio(d *deps) (*childStdio, error) {
	s := &childStdio{in: d.stdin}
	var err error
	if s.out, err = s.fileFor(d.stdout); err != nil {
		s.close()
		return nil, err
	}
	if s.err, err = s.fileFor(d.stderr); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *childStdio) fileFor(w io.Writer) (*os.File, error) {
	if f, ok := w.(*os.File); ok {
		return f, nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	s.childEnds = append(s.childEnds, pw)
	s.readers = append(s.readers, r)
	s.copies.Go(func() {
		// Ends at EOF: once every process of the tree, which the tree's
		// end guarantees, and we (started or close) closed the write end.
		io.Copy(w, r)
		r.Close()
	})
	return pw, nil
}

// started closes our copies of the child's ends, so that the pipes reach
// EOF when the tree ends.
func (s *childStdio) started() {
	for _, f := range s.childEnds {
		f.Close()
	}
	s.childEnds = nil
}

// wait returns once everything the tree wrote reached corral's writers.
func (s *childStdio) wait() { s.copies.Wait() }

// close releases everything, for a command that did not start.
func (s *childStdio) close() {
	s.started()
	s.copies.Wait()
}
