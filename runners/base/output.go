package base

import (
	"bufio"
	"errors"
	"io"
	"os"
	"sync"
)

// lineWriter hands whole lines to one io.Writer, one Write per line, from
// any number of streams: a mutex makes each Write atomic with respect to
// the others, so lines of stdout and stderr never interleave. After the
// writer's first error, lines are dropped, but the streams are still read
// to their end, so the child never blocks on a full pipe.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	failed error
}

func (lw *lineWriter) writeLine(line []byte) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.failed != nil {
		return
	}
	if _, err := lw.w.Write(line); err != nil {
		lw.failed = err
	}
}

// err returns the writer's first error, or nil.
func (lw *lineWriter) err() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.failed
}

// forwardBufferSize is the read buffer of one stream; lines longer than
// it are assembled in a growing buffer, so there is no length limit.
const forwardBufferSize = 64 << 10

// forwardLines copies r to lw line by line until r ends, the newline kept.
// A last line without a newline is delivered as it is. Read errors other
// than EOF (the pipe closed under it) end the stream.
func forwardLines(r io.Reader, lw *lineWriter) {
	br := bufio.NewReaderSize(r, forwardBufferSize)
	var long []byte // a line longer than the buffer, being assembled
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			if long != nil {
				lw.writeLine(append(long, chunk...))
				long = nil
			} else {
				lw.writeLine(chunk)
			}
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, chunk...)
		default:
			if rest := append(long, chunk...); len(rest) > 0 {
				lw.writeLine(rest)
			}
			return
		}
	}
}

// outputStreams are the pipes of one process whose output is forwarded.
type outputStreams struct {
	readers []*os.File
	lw      *lineWriter
	wg      sync.WaitGroup
}

// start forwards every reader to lw, one goroutine each; each ends when
// its pipe reaches EOF or is closed by closeAll.
func (o *outputStreams) start() {
	for _, r := range o.readers {
		o.wg.Go(func() { forwardLines(r, o.lw) })
	}
}

// wait returns a channel closed once every stream reached its end.
func (o *outputStreams) wait() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		o.wg.Wait()
		close(done)
	}()
	return done
}

// closeAll closes the read ends, which ends forwarders still reading:
// used when a process that escaped the tree keeps a pipe open.
func (o *outputStreams) closeAll() {
	for _, r := range o.readers {
		r.Close()
	}
}
