package companion

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
)

// CompanionRunner is one RunnerEnvironment over whichever backend
// NewCompanionRunner chose: Docker, Nix or Native. Its processes are the
// backend's own (a *docker.DockerProc, *base.NixProc or *base.NativeProc)
// with the whole Proc contract. Configure it (With… methods), then Init,
// then NewProcess; Shutdown releases everything. It is safe for
// concurrent use.
type CompanionRunner interface {
	// Init, NewProcess, Stop, Shutdown, WithBinary and
	// WithEnvironmentVariables are the backend's. On Native and Nix, Init
	// and NewProcess fail while a setting that cannot take effect there
	// is pending (see WithMount, WithPortMapping, WithUser). NewProcess
	// before Init does what the backend does: Native runs, Nix runs the
	// process wrapped in `nix develop`, Docker fails (no container yet).
	base.RunnerEnvironment

	// WithEntrypoint replaces the image's entrypoint (Docker). Native and
	// Nix have no image: it is logged and has no effect.
	WithEntrypoint(cmd ...string)
	// WithMount makes the host path source visible at target. Docker
	// bind-mounts it. Native and Nix see the host's files: a mount whose
	// target is the source's own absolute path takes effect as it is;
	// any other makes Init and NewProcess fail.
	WithMount(source, target string)
	// WithPortMapping makes containerPort reachable on 127.0.0.1:hostPort.
	// Docker publishes it. Native and Nix processes bind host ports
	// themselves: a mapping of a port to itself takes effect as it is;
	// any other makes Init and NewProcess fail.
	WithPortMapping(ctx context.Context, hostPort, containerPort uint16)
	// WithWorkDir sets the directory every process starts in (a proc's
	// own WithDir still wins). A relative dir is taken from SourceDir.
	// For Docker it is a path inside the container, where SourceDir is
	// mounted at its own path.
	WithWorkDir(dir string)
	// WithUser runs processes as user, "UID[:GID]" or a name. Docker runs
	// the container as that user. Native and Nix run as corral's own user:
	// naming that user takes effect; any other makes Init and NewProcess
	// fail.
	WithUser(user string)
	// WithPause keeps the container idle for the processes started in it
	// instead of running the image's command (Docker). Native and Nix have
	// nothing to keep alive: it is logged and has no effect.
	WithPause()
	// WithGracePeriod sets how long Stop waits between the stop signal and
	// SIGKILL, for processes created after the call.
	WithGracePeriod(d time.Duration)
	// WithStopSignal sets the signal Stop sends first (0: SIGTERM), for
	// processes created after the call. In a container it is sent by
	// name with kill -s, so only named signals work there.
	WithStopSignal(sig syscall.Signal)
	// WithMaxLineLength sets the longest output line delivered in one
	// Write (default 64 MiB), for processes created after the call.
	WithMaxLineLength(n int)

	// RunnerEnv is the backend's own environment: a
	// *docker.DockerEnvironment, *base.NixEnvironment or
	// *base.NativeEnvironment, for what only that backend offers.
	RunnerEnv() base.RunnerEnvironment
	// Backend is "docker", "nix" or "native".
	Backend() string
	// Reason says in one sentence why Backend was chosen.
	Reason() string
}

// backendEnv is what every backend's environment offers the companion.
type backendEnv interface {
	base.RunnerEnvironment
	WithGracePeriod(time.Duration)
	WithStopSignal(syscall.Signal)
	WithMaxLineLength(int)
}

// NewCompanionRunner chooses the backend (Choose), logs the choice and its
// reason, and returns a runner on it. It creates nothing yet: a container
// is made, or a dev shell materialised, by Init. A preferred backend that
// cannot be served is an error naming what is missing (wrapping
// ErrUnavailable), never a fallback to another.
func NewCompanionRunner(ctx context.Context, opts CompanionOpts) (CompanionRunner, error) {
	choice, err := Choose(ctx, opts)
	if err != nil {
		return nil, err
	}
	c := &companion{choice: choice, log: opts.logger()}
	switch choice.Backend {
	case Docker:
		err = c.newDocker(ctx, opts)
	case Nix:
		err = c.newNix(ctx, opts)
	default:
		err = c.newNative(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// companion is the CompanionRunner. dockerEnv is set on Docker; on Native
// and Nix, host holds what only a container could honour.
type companion struct {
	choice    Choice
	log       *slog.Logger
	env       backendEnv
	dockerEnv *docker.DockerEnvironment
	dir       string // Native and Nix: the absolute working directory of the environment

	mu      sync.Mutex
	workDir string  // "" : the environment's
	pending []error // settings that cannot take effect on this backend
}

func (c *companion) newDocker(ctx context.Context, opts CompanionOpts) error {
	name := opts.Name
	if name == "" {
		b := make([]byte, 4)
		rand.Read(b)
		name = fmt.Sprintf("companion-%d-%s", os.Getpid(), hex.EncodeToString(b))
	}
	var (
		env *docker.DockerEnvironment
		err error
	)
	if opts.SourceDir != "" {
		env, err = docker.NewDockerEnvironment(ctx, opts.Image, opts.SourceDir, name)
		c.dir, _ = filepath.Abs(opts.SourceDir)
	} else {
		env, err = docker.NewDockerHeadlessEnvironment(ctx, opts.Image, name)
	}
	if err != nil {
		return &UnavailableError{Backend: Docker, Missing: err}
	}
	env.WithLogger(opts.Logger)
	c.env, c.dockerEnv = env, env
	return nil
}

func (c *companion) newNix(ctx context.Context, opts CompanionOpts) error {
	env, err := base.NewNixEnvironment(ctx, hostDir(opts.SourceDir))
	if err != nil {
		return &UnavailableError{Backend: Nix, Missing: err}
	}
	env.WithLogger(opts.Logger)
	if cache, err := NixCacheDir(); err == nil {
		env.WithCacheDir(cache)
	} else {
		c.log.Warn("corral: companion: the nix dev shell is not cached", "err", err)
	}
	c.env, c.dir = env, env.Dir()
	return nil
}

func (c *companion) newNative(ctx context.Context, opts CompanionOpts) error {
	env, err := base.NewNativeEnvironment(ctx, hostDir(opts.SourceDir))
	if err != nil {
		return err
	}
	env.WithLogger(opts.Logger)
	c.env, c.dir = env, mustAbs(hostDir(opts.SourceDir))
	return nil
}

// NixCacheDir is where a Nix companion keeps materialised dev shells,
// $CORRAL_HOME/nix (default ~/.corral/nix), so that a later run of the
// same flake runs no nix.
func NixCacheDir() (string, error) {
	home, err := records.Home()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "nix"), nil
}

// hostDir is SourceDir for a host backend: "" is the current directory.
func hostDir(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

func mustAbs(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

func (c *companion) Backend() string                    { return c.choice.Backend }
func (c *companion) Reason() string                     { return c.choice.Reason }
func (c *companion) RunnerEnv() base.RunnerEnvironment  { return c.env }
func (c *companion) Stop(ctx context.Context) error     { return c.env.Stop(ctx) }
func (c *companion) Shutdown(ctx context.Context) error { return c.env.Shutdown(ctx) }
func (c *companion) WithBinary(bin string) error        { return c.env.WithBinary(bin) }
func (c *companion) WithGracePeriod(d time.Duration)    { c.env.WithGracePeriod(d) }
func (c *companion) WithStopSignal(sig syscall.Signal)  { c.env.WithStopSignal(sig) }
func (c *companion) WithMaxLineLength(n int)            { c.env.WithMaxLineLength(n) }

func (c *companion) WithEnvironmentVariables(ctx context.Context, envs ...*resources.EnvironmentVariable) {
	c.env.WithEnvironmentVariables(ctx, envs...)
}

// Init returns the settings that cannot take effect on this backend, if
// any, else the backend's Init: Docker makes or reuses the container, Nix
// materialises the dev shell (from the cache when it can).
func (c *companion) Init(ctx context.Context) error {
	if err := c.pendingErr(); err != nil {
		return err
	}
	return c.env.Init(ctx)
}

// NewProcess returns the backend's process, starting in the work
// directory when one is set.
func (c *companion) NewProcess(bin string, args ...string) (base.Proc, error) {
	if err := c.pendingErr(); err != nil {
		return nil, err
	}
	p, err := c.env.NewProcess(bin, args...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	wd := c.workDir
	c.mu.Unlock()
	if wd != "" && c.dockerEnv == nil {
		p.WithDir(wd)
	}
	return p, nil
}

func (c *companion) WithWorkDir(dir string) {
	if dir != "" && !filepath.IsAbs(dir) && c.dir != "" {
		dir = filepath.Join(c.dir, dir)
	}
	if c.dockerEnv != nil {
		c.dockerEnv.WithWorkDir(dir)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.workDir = dir
}

func (c *companion) pendingErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.pending...)
}
