// Package lines delivers a process's output whole: each line of any
// number of streams reaches one io.Writer in a single Write, newline
// included, and lines of different streams never interleave.
//
// A line is assembled in memory up to the Writer's cap (DefaultMaxLine,
// 64 MiB, unless SetMaxLine says otherwise): a 10 MiB line arrives whole,
// in one Write; a longer one is delivered in cap-sized Writes and the
// rest of it after them, so a child streaming binary data without
// newlines cannot make the supervisor's memory grow without bound.
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
	max    int
}

// DefaultMaxLine is the longest line delivered in one Write unless
// SetMaxLine says otherwise.
const DefaultMaxLine = 64 << 20

// NewWriter returns a Writer over w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, max: DefaultMaxLine} }

// SetMaxLine sets the longest line delivered in one Write; n below the
// read buffer (64 KiB) counts as 64 KiB. Call it before the streams start.
func (lw *Writer) SetMaxLine(n int) { lw.max = max(n, bufferSize) }

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
// assembled in a growing buffer, up to the Writer's cap.
const bufferSize = 32 << 10

// Forward copies r to lw line by line until r ends, the newline kept. A
// last line without a newline is delivered as it is. Read errors other
// than EOF (the pipe closed under it) end the stream.
func Forward(r io.Reader, lw *Writer) {
	br := bufio.NewReaderSize(r, bufferSize)
	var long []byte // a line longer than the buffer, being assembled
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case err == nil && long == nil:
			lw.WriteLine(chunk)
		case err == nil:
			long = lw.writeCapped(lw.appendCapped(long, chunk), true)
		case errors.Is(err, bufio.ErrBufferFull):
			long = lw.writeCapped(lw.appendCapped(long, chunk), false)
		default:
			if rest := lw.appendCapped(long, chunk); len(rest) > 0 {
				lw.writeCapped(rest, true)
			}
			return
		}
	}
}

// longLineJump is the size past which a line's buffer grows straight to
// its largest size instead of doubling.
const longLineJump = 1 << 20

// appendCapped appends p to the line being assembled. Its buffer doubles
// up to longLineJump, then grows at once to what one cap-sized piece and
// one read need, and no further: a very long line costs one buffer of
// the cap's size, not a chain of doubled ones left for the garbage
// collector, which made the peak two to three times the cap.
func (lw *Writer) appendCapped(line, p []byte) []byte {
	if need := len(line) + len(p); need > cap(line) {
		limit := max(need, lw.max+bufferSize)
		c := max(2*cap(line), need)
		if c > longLineJump {
			c = limit // one jump to the cap: no chain of dead buffers
		}
		grown := make([]byte, len(line), min(c, limit))
		copy(grown, line)
		line = grown
	}
	return append(line, p...)
}

// writeCapped writes the cap-sized pieces of a line being assembled, and
// the rest too when the line is complete; it returns what is left to
// assemble (nil when the line is done), reusing the buffer.
func (lw *Writer) writeCapped(line []byte, complete bool) []byte {
	for len(line) > lw.max {
		lw.WriteLine(line[:lw.max])
		line = line[:copy(line, line[lw.max:])]
	}
	if complete {
		lw.WriteLine(line)
		return nil
	}
	return line
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
