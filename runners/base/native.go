package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/proc"
	"github.com/corralrun/corral/resources"
)

// DefaultGracePeriod is how long Stop waits between SIGTERM and SIGKILL
// unless WithGracePeriod says otherwise.
const DefaultGracePeriod = proc.DefaultGracePeriod

// treeSeq numbers the trees this process starts; with the owner's identity
// it makes every tree id unique on the machine.
var treeSeq atomic.Uint64

// NativeEnvironment runs processes directly on the host, each in a
// supervised tree of its own (see the package documentation for how trees
// are contained and recorded). It is safe for concurrent use.
type NativeEnvironment struct {
	dir         string
	containment Containment
	// inherit returns the environment processes inherit before the
	// environment's and their own variables: the host's (os.Environ) for
	// Native, the dev shell's for Nix.
	inherit func() []string

	// Settings gives WithGracePeriod, WithStopSignal,
	// WithMaxLineLength and WithLogger; each applies to processes
	// created after the call.
	proc.Settings

	// guarded: processes created from now on get a guardian.
	guarded atomic.Bool

	mu   sync.Mutex
	envs []*resources.EnvironmentVariable
	live map[*NativeProc]struct{}
}

// NewNativeEnvironment returns an environment that runs processes in dir,
// which must be an existing directory, with the host's environment and
// whatever is in its PATH.
func NewNativeEnvironment(_ context.Context, dir string) (*NativeEnvironment, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("native environment: directory %q: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("native environment: directory %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("native environment: %q is not a directory", dir)
	}
	return &NativeEnvironment{
		dir:         abs,
		containment: DetectContainment(),
		live:        make(map[*NativeProc]struct{}),
	}, nil
}

// Containment returns how this environment contains its trees.
func (native *NativeEnvironment) Containment() Containment { return native.containment }

// WithGuardian(true) gives the processes created after the call a
// guardian: should this program die by SIGKILL (or any death that lets no
// code run), their trees are stopped within moments (the stop signal, the
// grace period, SIGKILL) instead of running on until the next reap. The
// guardian is one process per program (per corral home), started by the
// first guarded Start while no guarded tree runs, and ended once the last
// one has ended. That Start pays a fork and exec of this binary, the end
// of that last tree a SIGKILL and a wait, and the guardian's Go start-up
// shares the CPUs meanwhile: about 4 ms per guarded start-and-end of a
// short command on a loaded 2-vCPU machine (`corral run -- true`: 2.7 ms),
// nothing measurable for a tree started while the guardian runs (see the
// package documentation and docs/PERFORMANCE.md). Off by default,
// because of that cost and the extra process. `corral run` turns it on.
func (native *NativeEnvironment) WithGuardian(on bool) { native.guarded.Store(on) }

// Init does nothing: the host needs no preparation.
func (native *NativeEnvironment) Init(context.Context) error { return nil }

// WithBinary returns an error wrapping ErrBinaryNotFound unless bin is
// found in the environment's PATH (or, holding a '/', relative to its
// directory).
func (native *NativeEnvironment) WithBinary(bin string) error {
	_, err := lookPath(bin, native.pathValue(), native.dir)
	return err
}

// WithEnvironmentVariables adds variables given to every process the
// environment starts from now on, including processes created before the
// call and not yet started. The caller's values are copied, never
// modified. An invalid variable makes Start fail with an error naming it.
func (native *NativeEnvironment) WithEnvironmentVariables(_ context.Context, envs ...*resources.EnvironmentVariable) {
	native.mu.Lock()
	defer native.mu.Unlock()
	native.envs = append(native.envs, envmerge.Copy(envs)...)
}

func (native *NativeEnvironment) envSnapshot() []*resources.EnvironmentVariable {
	native.mu.Lock()
	defer native.mu.Unlock()
	return append([]*resources.EnvironmentVariable(nil), native.envs...)
}

// inherited is the environment processes start from.
func (native *NativeEnvironment) inherited() []string {
	if native.inherit != nil {
		return native.inherit()
	}
	return os.Environ()
}

// pathValue is the PATH processes see before process-level variables.
func (native *NativeEnvironment) pathValue() string {
	base, _ := envmerge.Lookup(native.inherited(), "PATH")
	env := envmerge.Merge([]string{"PATH=" + base}, [][]*resources.EnvironmentVariable{native.envSnapshot()}, nil)
	v, _ := envmerge.Lookup(env, "PATH")
	return v
}

// NewProcess returns a process, not started, that runs bin with args. bin
// is looked up in PATH unless it holds a '/'; a relative path is taken from
// the process's directory. It fails with ErrBinaryNotFound when bin is not
// an executable file there.
func (native *NativeEnvironment) NewProcess(bin string, args ...string) (Proc, error) {
	pathValue := native.pathValue()
	path, err := lookPath(bin, pathValue, native.dir)
	if err != nil {
		return nil, err
	}
	set := native.Snapshot()
	return &NativeProc{
		env:     native,
		bin:     bin,
		path:    path,
		pathAt:  pathValue,
		args:    append([]string(nil), args...),
		grace:   set.Grace,
		maxLine: set.MaxLine,
		stopSig: set.StopSignal,
		logger:  set.Logger,
		guarded: native.guarded.Load(),
	}, nil
}

func (native *NativeEnvironment) track(p *NativeProc, live bool) {
	native.mu.Lock()
	defer native.mu.Unlock()
	if live {
		native.live[p] = struct{}{}
	} else {
		delete(native.live, p)
	}
}

// Stop stops every process of the environment that still runs, all at
// once, and returns when they are gone. The environment stays usable.
func (native *NativeEnvironment) Stop(ctx context.Context) error {
	native.mu.Lock()
	procs := make([]*NativeProc, 0, len(native.live))
	for p := range native.live {
		procs = append(procs, p)
	}
	native.mu.Unlock()
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() { errs[i] = p.Stop(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Shutdown stops every process; the host has nothing else to release.
func (native *NativeEnvironment) Shutdown(ctx context.Context) error { return native.Stop(ctx) }
