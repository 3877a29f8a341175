// Package lines delivers a process's output whole: each line of any
// number of streams reaches one io.Writer in a single Write, newline
// included, whatever its length, and lines of different streams never
// interleave.
package lines

import (
	"bufio"
	"errors"
	"io"
	"sync"
)

// Writer hands whole lines to one io.Writer, one Write per line, from any
// number of streams: a mutex makes each Write atomic with respect to the
// others. After the writer's first error, lines are dropped, but the
// streams are still read to their end, so the child never blocks on a
// full pipe. It is safe for concurrent use.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	failed error
}

// NewWriter returns a Writer over w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteLine writes one line (newline included, or a last line without
// one) in a single Write, unless an earlier Write failed.
func (lw *Writer) WriteLine(line []byte) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.failed != nil {
		return
	}
	if _, err := lw.w.Write(line); err != nil {
		lw.failed = err
	}
}

// Err returns the writer's first error, or nil.
func (lw *Writer) Err() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.failed
}

// bufferSize is the read buffer of one stream; lines longer than it are
// assembled in a growing buffer, so there is no length limit.
const bufferSize = 64 << 10

// Forward copies r to lw line by line until r ends, the newline kept. A
// last line without a newline is delivered as it is. Read errors other
// than EOF (the pipe closed under it) end the stream.
func Forward(r io.Reader, lw *Writer) {
	br := bufio.NewReaderSize(r, bufferSize)
	var long []byte // a line longer than the buffer, being assembled
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			if long != nil {
				lw.WriteLine(append(long, chunk...))
				long = nil
			} else {
				lw.WriteLine(chunk)
			}
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, chunk...)
		default:
			if rest := append(long, chunk...); len(rest) > 0 {
				lw.WriteLine(rest)
			}
			return
		}
	}
}

// Streams are the output streams of one process, forwarded to one
// Writer, one goroutine each.
type Streams struct {
	readers []io.ReadCloser
	lw      *Writer
	wg      sync.WaitGroup
}

// NewStreams returns the streams readers, forwarded to lw once Start is
// called.
func NewStreams(lw *Writer, readers ...io.ReadCloser) *Streams {
	return &Streams{lw: lw, readers: readers}
}

// Add adds a stream before Start.
func (s *Streams) Add(r io.ReadCloser) { s.readers = append(s.readers, r) }

// Len is the number of streams.
func (s *Streams) Len() int { return len(s.readers) }

// Writer is where the streams go.
func (s *Streams) Writer() *Writer { return s.lw }

// Start forwards every stream; each ends when it reaches EOF or is
// closed by CloseAll.
func (s *Streams) Start() {
	for _, r := range s.readers {
		s.wg.Go(func() { Forward(r, s.lw) })
	}
}

// Done returns a channel closed once every stream reached its end.
func (s *Streams) Done() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	return done
}

// CloseAll closes the readers, which ends forwarders still reading: used
// when a process that escaped the tree keeps a pipe open.
func (s *Streams) CloseAll() {
	for _, r := range s.readers {
		r.Close()
	}
}
