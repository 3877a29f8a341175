package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// spinnerFrames are drawn in turn, one per spinnerTick, on a terminal.
var spinnerFrames = []string{"|", "/", "-", `\`}

const spinnerTick = 100 * time.Millisecond

// startStatus says msg on w once after has passed, until stop is called:
// on a terminal as a spinner on one line, which stop erases; otherwise as
// one plain line. Nothing is written when stop comes first. stop returns
// once nothing more will be written; it must be called exactly once.
func startStatus(w io.Writer, msg string, after time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	tty := isTerminal(w)
	go func() { // ends when stop closes done
		defer close(finished)
		timer := time.NewTimer(after)
		defer timer.Stop()
		select {
		case <-done:
			return
		case <-timer.C:
		}
		if !tty {
			fmt.Fprintf(w, "%s…\n", msg)
			return
		}
		tick := time.NewTicker(spinnerTick)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%s %s…", spinnerFrames[i%len(spinnerFrames)], msg)
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K") // erase the status line
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && fileIsTerminal(f)
}
