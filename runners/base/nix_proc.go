package base

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/nixshell"
	"github.com/corralrun/corral/resources"
)

// nativeProc lets NixProc embed a NativeProc without exporting the field.
type nativeProc = NativeProc

// NixProc is one process tree in a Nix dev shell. It is a NativeProc (the
// same containment, record, reaper, output and Proc contract; every
// method of NativeProc applies), started either directly with the
// materialised shell's environment, or, when created before Init,
// wrapped as `nix develop path:<dir> --command …`.
//
// In wrapped mode the environment's and the process's variables, and the
// appends, are applied inside the shell, after nix laid the shell's
// variables down, so they win as in materialised mode and appends build on
// the shell's values (keys that are not sh names are given to nix's own
// environment instead, where the shell's value of that key would win).
// nix runs with a TMPDIR of its own, removed once the tree is gone: the
// program sees TMPDIR pointing inside it, as under `nix develop`.
type NixProc struct {
	*nativeProc
	env     *NixEnvironment
	wrapped bool

	startMu  sync.Mutex // serialises Start's preparation and start
	mu       sync.Mutex
	envs     []*resources.EnvironmentVariable // wrapped mode only
	appends  []nixshell.Append                // wrapped mode only
	prepared bool
	tmp      string
	cleaned  sync.Once
}

var _ Proc = (*NixProc)(nil)

// Wrapped reports whether the process runs through `nix develop` (it was
// created before Init).
func (p *NixProc) Wrapped() bool { return p.wrapped }

// WithEnvironmentVariables adds process-level variables, which win over
// the environment's and the shell's. The caller's values are copied.
func (p *NixProc) WithEnvironmentVariables(ctx context.Context, envs ...*resources.EnvironmentVariable) {
	if !p.wrapped {
		p.nativeProc.WithEnvironmentVariables(ctx, envs...)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.envs = append(p.envs, envmerge.Copy(envs)...)
}

// WithEnvironmentVariablesAppend appends added.Value, after sep, to the
// value of added.Key the process would otherwise see (process-level, else
// environment-level, else the shell's, else the host's).
func (p *NixProc) WithEnvironmentVariablesAppend(ctx context.Context, added *resources.EnvironmentVariable, sep string) {
	if !p.wrapped {
		p.nativeProc.WithEnvironmentVariablesAppend(ctx, added, sep)
		return
	}
	if added == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.appends = append(p.appends, nixshell.Append{Key: added.Key, Value: added.ValueAsString(), Sep: sep})
}

// Start starts the process; see NativeProc.Start.
func (p *NixProc) Start(ctx context.Context) error {
	if !p.wrapped {
		return p.nativeProc.Start(ctx)
	}
	p.startMu.Lock()
	defer p.startMu.Unlock()
	if err := p.prepare(ctx); err != nil {
		return err
	}
	if err := p.nativeProc.Start(ctx); err != nil {
		if p.nativeProc.isNew() { // never ran: nothing uses the directory
			p.unprepare()
		}
		return err
	}
	p.cleanupWhenDone()
	return nil
}

// Run starts the process and waits for it; see NativeProc.Run.
func (p *NixProc) Run(ctx context.Context) error {
	if !p.wrapped {
		return p.nativeProc.Run(ctx)
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	// The result is ctx.Err() once cancellation stopped the tree, as for
	// a NativeProc; waiting on ctx itself would return before that.
	return p.Wait(context.Background())
}

// Wait waits for the process; see NativeProc.Wait. In wrapped mode nix's
// temporary directory is gone when it returns the process's result.
func (p *NixProc) Wait(ctx context.Context) error {
	err := p.nativeProc.Wait(ctx)
	if p.wrapped && p.nativeProc.ended() {
		p.removeTemp()
	}
	return err
}

// prepare, in wrapped mode and once, checks that nix has flakes, makes
// nix's TMPDIR and hands the inner process the variables that carry the
// caller's environment into the shell. Misuse (a second Start, Start after
// Stop) is left to the inner process to report.
func (p *NixProc) prepare(ctx context.Context) error {
	if !p.wrapped {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prepared || !p.nativeProc.isNew() {
		return nil
	}
	envLevel := p.env.materialised.envSnapshot()
	for _, e := range append(append([]*resources.EnvironmentVariable(nil), envLevel...), p.envs...) {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("start %s: %w", p.nativeProc.bin, err)
		}
	}
	for _, a := range p.appends {
		if err := resources.Env(a.Key, a.Value).Validate(); err != nil {
			return fmt.Errorf("start %s: append: %w", p.nativeProc.bin, err)
		}
	}
	if err := p.env.checkFlakes(ctx); err != nil {
		return fmt.Errorf("nix environment %s: %w", p.env.dir, err)
	}
	tmp, err := nixshell.TempDir()
	if err != nil {
		return err
	}
	sets := envmerge.Merge(nil, [][]*resources.EnvironmentVariable{envLevel, p.envs}, nil)
	script, skipped := nixshell.ReapplyScript(sets, p.appends)
	vars := []*resources.EnvironmentVariable{resources.Env("TMPDIR", tmp), resources.Env(nixshell.ReapplyVar, script)}
	for _, kv := range skipped {
		if e, err := resources.ParseEnvironmentVariable(kv); err == nil {
			vars = append(vars, e)
		}
	}
	p.nativeProc.WithEnvironmentVariables(ctx, vars...)
	p.tmp, p.prepared = tmp, true
	return nil
}

// cleanupWhenDone removes nix's TMPDIR once the tree is gone, for callers
// that never Wait. The goroutine ends with the tree.
func (p *NixProc) cleanupWhenDone() {
	done := p.nativeProc.doneChan()
	go func() {
		<-done
		p.removeTemp()
	}()
}

// removeTemp removes nix's TMPDIR; only once the tree is gone.
func (p *NixProc) removeTemp() {
	p.mu.Lock()
	tmp := p.tmp
	p.mu.Unlock()
	if tmp != "" {
		p.cleaned.Do(func() { os.RemoveAll(tmp) })
	}
}

// unprepare undoes prepare after a start that did not happen, so that a
// later Start prepares again.
func (p *NixProc) unprepare() {
	p.mu.Lock()
	defer p.mu.Unlock()
	os.RemoveAll(p.tmp)
	p.tmp, p.prepared = "", false
}

// isNew reports whether the NativeProc has been neither started nor
// stopped.
func (proc *NativeProc) isNew() bool {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	return proc.state == stateNew
}

// doneChan returns the channel closed when a started process has ended.
func (proc *NativeProc) doneChan() <-chan struct{} {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	return proc.done
}

// ended reports whether a started process has ended.
func (proc *NativeProc) ended() bool {
	done := proc.doneChan()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}
