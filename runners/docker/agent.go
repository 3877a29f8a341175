package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// agentScript serves tree walks over its stdin: each request is a line
// "MARKER SIGNAL", each answer a line of the PIDs found (and signalled).
// It is walkScript's loop, kept running in one exec so that a walk costs
// a round trip over an open stream instead of an exec of its own.
const agentScript = `if printf 'a\0' | { IFS= read -r -d '' x && [ "$x" = a ]; } 2>/dev/null; then
	has() { while IFS= read -r -d '' v; do [ "$v" = "$m" ] && return 0; done <"$1"; return 1; }
else
	has() { tr '\0' '\n' <"$1" | grep -qxF -e "$m"; }
fi
me=$$
while IFS=' ' read -r m sig; do
	found=
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = "$me" ] && continue
		has "$d/environ" 2>/dev/null || continue
		found="$found $p"
	done
	[ -n "$found" ] && [ "$sig" != 0 ] && kill -s "$sig" $found 2>/dev/null
	echo "ok$found"
done`

// errAgentDown is the cause when the agent's stream ended.
var errAgentDown = errors.New("docker: tree agent stopped")

// agent is one long-lived exec (as root) in a container that walks
// process trees on request. It is started on first use; if it fails, the
// caller falls back to one exec per walk and the next use starts a new
// agent. Its two goroutines end when its stream ends or close is called.
type agent struct {
	mu      sync.Mutex // one request at a time
	att     client.ExecAttachResult
	answers chan string // closed when the stream ends
}

// agents holds a container's agent.
type agents struct {
	mu     sync.Mutex
	cur    *agent
	closed bool
}

// walk sends one request through the container's agent, starting it if
// needed.
func (as *agents) walk(eng *engine, ctrID, marker, sig string) ([]string, error) {
	a, err := as.get(eng, ctrID)
	if err != nil {
		return nil, err
	}
	pids, err := a.request(marker, sig)
	if err != nil {
		as.drop(a)
	}
	return pids, err
}

func (as *agents) get(eng *engine, ctrID string) (*agent, error) {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.closed {
		return nil, errAgentDown
	}
	if as.cur != nil {
		return as.cur, nil
	}
	a, err := startAgent(eng, ctrID)
	if err != nil {
		return nil, err
	}
	as.cur = a
	return a, nil
}

func (as *agents) drop(a *agent) {
	as.mu.Lock()
	if as.cur == a {
		as.cur = nil
	}
	as.mu.Unlock()
	a.close()
}

// close ends the agent for good; its goroutines end with its stream.
func (as *agents) close() {
	as.mu.Lock()
	a := as.cur
	as.cur, as.closed = nil, true
	as.mu.Unlock()
	if a != nil {
		a.close()
	}
}

func startAgent(eng *engine, ctrID string) (*agent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), walkTimeout)
	defer cancel()
	created, err := eng.api.ExecCreate(ctx, ctrID, client.ExecCreateOptions{
		User: "0", Cmd: []string{"/bin/sh", "-c", agentScript, "corral-agent"},
		AttachStdin: true, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return nil, err
	}
	att, err := eng.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, err
	}
	a := &agent{att: att, answers: make(chan string)}
	pr, pw := io.Pipe()
	go func() { // demultiplexes until the stream ends
		_, err := stdcopy.StdCopy(pw, io.Discard, att.Reader)
		pw.CloseWithError(err)
	}()
	go func() { // hands each answer line over, then closes answers
		defer close(a.answers)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			a.answers <- sc.Text()
		}
	}()
	return a, nil
}

// request sends one walk and waits for its answer, bounded by
// walkTimeout; a late or missing answer breaks the agent.
func (a *agent) request(marker, sig string) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if strings.ContainsAny(marker, " \n") {
		return nil, fmt.Errorf("docker: bad tree marker %q", marker)
	}
	if _, err := io.WriteString(a.att.Conn, marker+" "+sig+"\n"); err != nil {
		return nil, fmt.Errorf("%w: %v", errAgentDown, err)
	}
	timer := time.NewTimer(walkTimeout)
	defer timer.Stop()
	select {
	case line, ok := <-a.answers:
		if !ok {
			return nil, errAgentDown
		}
		rest, found := strings.CutPrefix(line, "ok")
		if !found {
			return nil, fmt.Errorf("docker: tree agent answered %q", line)
		}
		return strings.Fields(rest), nil
	case <-timer.C:
		return nil, fmt.Errorf("%w: no answer within %v", errAgentDown, walkTimeout)
	}
}

// close ends the stream; the agent's shell sees EOF and exits, and its
// goroutines end. Answers nobody waits for are drained.
func (a *agent) close() {
	a.att.Close()
	go func() {
		for range a.answers {
		}
	}()
}
