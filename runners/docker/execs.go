package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// quickExec runs a short helper command in the container (a PATH lookup,
// the tree walk) and returns its stdout, stderr and exit status. It is
// not a supervised process: its commands end by themselves.
func (e *engine) quickExec(ctx context.Context, ctrID, user string, env []string, cmd ...string) (stdout, stderr []byte, code int, err error) {
	created, err := e.api.ExecCreate(ctx, ctrID, client.ExecCreateOptions{
		User: user, Env: env, Cmd: cmd, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return nil, nil, 0, err
	}
	att, err := e.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, nil, 0, err
	}
	defer att.Close()
	// The stream ends when the command has exited; the context's deadline
	// bounds a command that does not.
	stop := context.AfterFunc(ctx, func() { att.Close() })
	defer stop()
	var out, errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errb, io.LimitReader(att.Reader, 1<<20)); err != nil {
		if ctx.Err() != nil {
			return nil, nil, 0, ctx.Err()
		}
		return nil, nil, 0, fmt.Errorf("read exec output: %w", err)
	}
	ins, err := e.api.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return nil, nil, 0, err
	}
	return out.Bytes(), errb.Bytes(), ins.ExitCode, nil
}
