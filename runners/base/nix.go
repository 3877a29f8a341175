package base

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/nixshell"
	"github.com/corralrun/corral/resources"
)

// NixEnvironment runs processes in the dev shell of a flake. Before Init,
// each process runs wrapped, as `nix develop path:<dir> --command …`;
// after a successful Init, processes run directly with the materialised
// shell's environment, and no nix runs at all. Either way a Nix process
// is a native process tree (NixProc), with the same containment, record,
// reaper and Proc contract as a NativeProc. It is safe for concurrent use.
type NixEnvironment struct {
	dir  string
	tool *nixshell.Tool

	// materialised runs processes after Init; its inherited environment
	// is the host's with the shell laid over it. It also holds the
	// environment-level variables of both modes.
	materialised *NativeEnvironment
	// wrapped runs `nix develop`; it never holds variables of its own.
	wrapped *NativeEnvironment

	initMu sync.Mutex // serialises Init

	mu             sync.Mutex
	cacheDir       string
	logger         *slog.Logger
	overlay        map[string]string // nil before Init
	shell          *nixshell.Result
	flakesOK       bool   // CheckFlakes passed (wrapped mode)
	shellPath      string // the shell's PATH, for wrapped-mode lookups
	shellPathKnown bool
}

// NewNixEnvironment returns an environment for the flake in dir, which
// must hold a flake.nix. It needs nix in PATH but runs nothing: whether
// flakes are enabled is checked when nix is first run (by Init on a
// cache miss, or by the first wrapped process), so that a cache hit needs
// no nix at all.
func NewNixEnvironment(ctx context.Context, dir string) (*NixEnvironment, error) {
	tool, err := nixshell.Find()
	if err != nil {
		return nil, fmt.Errorf("nix environment: nix not found in PATH; install it: %s", NixInstallCommand())
	}
	native, err := NewNativeEnvironment(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("nix environment: %w", err)
	}
	if _, err := os.Stat(filepath.Join(native.dir, "flake.nix")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("nix environment: no flake.nix in %s: create one there or choose the directory that has it", native.dir)
		}
		return nil, fmt.Errorf("nix environment: %w", err)
	}
	wrapped, _ := NewNativeEnvironment(ctx, native.dir)
	n := &NixEnvironment{dir: native.dir, tool: tool, materialised: native, wrapped: wrapped}
	native.inherit = n.materialisedEnviron
	wrapped.inherit = os.Environ
	return n, nil
}

// materialisedEnviron is what a materialised process inherits: the
// host's environment read now, with the shell's variables over it.
func (n *NixEnvironment) materialisedEnviron() []string {
	n.mu.Lock()
	overlay := n.overlay
	n.mu.Unlock()
	return nixshell.Environ(os.Environ(), overlay)
}

// Dir returns the flake's directory, absolute.
func (n *NixEnvironment) Dir() string { return n.dir }

// WithCacheDir makes Init keep the materialised shell in dir (created
// 0700 if missing), so that a later Init, in this process or another,
// runs no nix while flake.nix, flake.lock and nix stay the same. The GC
// root then lives there too. "" (the default) caches nothing; the GC root
// is then temporary and removed by Shutdown. It applies to the next Init.
func (n *NixEnvironment) WithCacheDir(dir string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cacheDir = dir
}

// WithGracePeriod sets how long Stop waits between SIGTERM and SIGKILL,
// for processes created after the call.
func (n *NixEnvironment) WithGracePeriod(d time.Duration) {
	n.materialised.WithGracePeriod(d)
	n.wrapped.WithGracePeriod(d)
}

// WithStopSignal sets the signal Stop sends first, as on the Native
// environment.
func (n *NixEnvironment) WithStopSignal(sig syscall.Signal) {
	n.materialised.WithStopSignal(sig)
	n.wrapped.WithStopSignal(sig)
}

// WithMaxLineLength sets the longest output line delivered in one Write,
// as on the Native environment.
func (n *NixEnvironment) WithMaxLineLength(size int) {
	n.materialised.WithMaxLineLength(size)
	n.wrapped.WithMaxLineLength(size)
}

// WithGuardian gives processes created after the call a guardian that
// stops their trees soon after this program is SIGKILLed, in both modes,
// as on the Native environment.
func (n *NixEnvironment) WithGuardian(on bool) {
	n.materialised.WithGuardian(on)
	n.wrapped.WithGuardian(on)
}

// WithLogger sets the logger of the environment and of processes created
// after the call; nil means slog.Default().
func (n *NixEnvironment) WithLogger(l *slog.Logger) {
	n.mu.Lock()
	n.logger = l
	n.mu.Unlock()
	n.materialised.WithLogger(l)
	n.wrapped.WithLogger(l)
}

func (n *NixEnvironment) log() *slog.Logger {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.logger == nil {
		return slog.Default()
	}
	return n.logger
}

// Containment returns how this environment contains its trees.
func (n *NixEnvironment) Containment() Containment { return n.materialised.containment }

// Init materialises the dev shell (`nix print-dev-env`), or takes it from
// the cache directory, running no nix on a hit. Processes created
// afterwards run directly in it. A flake that fails to evaluate or build
// is an error carrying nix's own message; the environment then stays in
// wrapped mode, and a later Init tries again. Once materialised, Init
// does nothing. Concurrent calls are serialised.
func (n *NixEnvironment) Init(ctx context.Context) error {
	n.initMu.Lock()
	defer n.initMu.Unlock()
	n.mu.Lock()
	done, cacheDir := n.overlay != nil, n.cacheDir
	n.mu.Unlock()
	if done {
		return nil
	}
	logger := n.log()
	start := time.Now()
	res, err := n.tool.Load(ctx, nixshell.Options{Dir: n.dir, CacheDir: cacheDir, Logger: logger})
	if err != nil {
		return fmt.Errorf("nix environment %s: %w", n.dir, err)
	}
	overlay := nixshell.Overlay(res.Vars, os.Environ())
	n.mu.Lock()
	n.overlay, n.shell = overlay, res
	n.mu.Unlock()
	logger.Debug("corral: nix shell ready", "dir", n.dir, "cache_hit", res.Hit, "vars", len(overlay), "took", time.Since(start))
	return nil
}

// Materialized returns a copy of the variables the materialised shell
// lays over the host's environment (the shell's exported variables,
// build-only ones dropped, the host's HOME, TMPDIR, TERM and USER, and
// PATH as the shell's followed by the host's), or nil before a
// successful Init.
func (n *NixEnvironment) Materialized() map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.overlay == nil {
		return nil
	}
	return maps.Clone(n.overlay)
}

// NixVersion returns the version of nix that materialised the shell, or
// "" before a successful Init.
func (n *NixEnvironment) NixVersion() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.shell == nil {
		return ""
	}
	return n.shell.Version
}

// CacheHit reports whether the last successful Init took the shell from
// the cache without running nix.
func (n *NixEnvironment) CacheHit() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.shell != nil && n.shell.Hit
}

func (n *NixEnvironment) isMaterialised() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.overlay != nil
}

// WithEnvironmentVariables adds variables given to every process the
// environment starts from now on, over the shell's; the caller's values
// are copied.
func (n *NixEnvironment) WithEnvironmentVariables(ctx context.Context, envs ...*resources.EnvironmentVariable) {
	n.materialised.WithEnvironmentVariables(ctx, envs...)
}

// WithBinary returns an error wrapping ErrBinaryNotFound unless bin can be
// found in the dev shell.
func (n *NixEnvironment) WithBinary(bin string) error {
	if n.isMaterialised() {
		return n.materialised.WithBinary(bin)
	}
	return n.lookupWrapped(bin)
}

// NewProcess returns a process, not started, that runs bin with args in
// the dev shell: directly after Init, wrapped in `nix develop` before. It
// fails with ErrBinaryNotFound when bin is not in the shell's PATH (after
// environment-level overrides). Before Init, a bin that is not on the
// host's PATH is looked up on the shell's, which takes one nix run (or a
// cache hit) the first time.
func (n *NixEnvironment) NewProcess(bin string, args ...string) (Proc, error) {
	if n.isMaterialised() {
		p, err := n.materialised.NewProcess(bin, args...)
		if err != nil {
			return nil, err
		}
		return &NixProc{nativeProc: p.(*NativeProc), env: n}, nil
	}
	if err := n.lookupWrapped(bin); err != nil {
		return nil, err
	}
	tr := nixshell.Trampoline(bin, args...)
	p, err := n.wrapped.NewProcess(n.tool.Path, nixshell.DevelopArgs(n.dir, tr[0], tr[1:]...)...)
	if err != nil {
		return nil, fmt.Errorf("nix environment: %w", err)
	}
	return &NixProc{nativeProc: p.(*NativeProc), env: n, wrapped: true}, nil
}

// lookupWrapped finds bin as `nix develop` will: on the host's PATH (which
// the shell's PATH is put before) or the environment-level PATH override,
// else on the shell's PATH.
func (n *NixEnvironment) lookupWrapped(bin string) error {
	_, err := lookPath(bin, n.materialised.pathValue(), n.dir)
	if err == nil || !errors.Is(err, ErrBinaryNotFound) {
		return err
	}
	shellPath, lerr := n.wrappedShellPath()
	if lerr != nil {
		return fmt.Errorf("nix environment: looking up %q in the dev shell: %w", bin, lerr)
	}
	_, err = lookPath(bin, shellPath, n.dir)
	return err
}

// wrappedShellPath returns the shell's own PATH, learnt once (from the
// cache directory when it has the flake).
func (n *NixEnvironment) wrappedShellPath() (string, error) {
	n.mu.Lock()
	if n.shellPathKnown {
		defer n.mu.Unlock()
		return n.shellPath, nil
	}
	cacheDir := n.cacheDir
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := n.tool.Load(ctx, nixshell.Options{Dir: n.dir, CacheDir: cacheDir, Logger: n.log()})
	if err != nil {
		return "", err
	}
	res.Release()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shellPath, n.shellPathKnown = res.Vars["PATH"], true
	return n.shellPath, nil
}

// checkFlakes runs nix's own check once per environment, before the
// first wrapped process, so that a missing setting is one clear error
// instead of nix's message in the program's output.
func (n *NixEnvironment) checkFlakes(ctx context.Context) error {
	n.mu.Lock()
	ok := n.flakesOK
	n.mu.Unlock()
	if ok {
		return nil
	}
	if err := n.tool.CheckFlakes(ctx); err != nil {
		return err
	}
	n.mu.Lock()
	n.flakesOK = true
	n.mu.Unlock()
	return nil
}

// Stop stops every process of the environment that still runs, in both
// modes, and returns when they are gone. The environment stays usable.
func (n *NixEnvironment) Stop(ctx context.Context) error {
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() { werr = n.wrapped.Stop(ctx) })
	merr := n.materialised.Stop(ctx)
	wg.Wait()
	return errors.Join(merr, werr)
}

// Shutdown stops every process and removes the temporary GC root (a GC
// root in the cache directory stays, for the next run). Processes may
// still be started afterwards, without that protection.
func (n *NixEnvironment) Shutdown(ctx context.Context) error {
	err := n.Stop(ctx)
	n.mu.Lock()
	shell := n.shell
	n.mu.Unlock()
	return errors.Join(err, shell.Release())
}
