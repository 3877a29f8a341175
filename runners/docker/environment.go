package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/proc"
	"github.com/corralrun/corral/resources"
)

// DefaultGracePeriod is how long Stop waits between SIGTERM and SIGKILL
// unless WithGracePeriod says otherwise; the same as the native backend's.
const DefaultGracePeriod = proc.DefaultGracePeriod

// ErrNotInitialized is returned by NewProcess and WithBinary before Init
// has made the container: they look inside it.
var ErrNotInitialized = errors.New("docker: environment not initialised: call Init first")

// ErrShutdown is returned by Init and NewProcess after Shutdown.
var ErrShutdown = errors.New("docker: environment shut down")

// namePrefix starts the name of every container corral makes.
const namePrefix = "corral-"

// nameRE is what the engine accepts as a container name, less the prefix.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// DockerEnvironment runs processes inside one container, corral-<name>,
// through exec. Configure it (With… methods), then Init makes or reuses
// the container; configuration changed after Init applies at the next
// Init, which recreates the container if the configuration differs. It is
// safe for concurrent use.
type DockerEnvironment struct {
	image *resources.DockerImage
	name  string
	eng   *engine

	// Settings gives WithGracePeriod, WithStopSignal (sent inside the
	// container with kill -s NAME, so only a signal kill can name
	// works: HUP, INT, QUIT, USR1, USR2, TERM, …), WithMaxLineLength
	// and WithLogger, for processes created after the call.
	proc.Settings

	mu       sync.Mutex
	cfg      containerConfig
	cfgErr   []error
	envs     []*resources.EnvironmentVariable
	progress func(PullProgress)
	ctr      *liveContainer // nil before Init and after Shutdown
	live     map[*DockerProc]struct{}
	shut     bool
}

// NewDockerEnvironment returns an environment whose container bind-mounts
// dir (an existing directory) at the same path and starts processes
// there. name names the container, corral-<name>: letters, digits, '_',
// '.' and '-', starting with a letter or digit. It connects to the engine
// (see ResolveEndpoint) and fails with an *EngineError if none answers; it
// does not create anything before Init.
func NewDockerEnvironment(ctx context.Context, image *resources.DockerImage, dir, name string) (*DockerEnvironment, error) {
	if dir == "" {
		return nil, fmt.Errorf("docker environment %q: empty directory; use NewDockerHeadlessEnvironment for none", name)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("docker environment %q: directory %q: %w", name, dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("docker environment %q: directory %q: %w", name, dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("docker environment %q: %q is not a directory", name, dir)
	}
	env, err := newEnvironment(ctx, image, name)
	if err != nil {
		return nil, err
	}
	env.cfg.Dir = abs
	return env, nil
}

// NewDockerHeadlessEnvironment returns an environment with no host
// directory: processes start in the image's working directory (or
// WithWorkDir's).
func NewDockerHeadlessEnvironment(ctx context.Context, image *resources.DockerImage, name string) (*DockerEnvironment, error) {
	return newEnvironment(ctx, image, name)
}

func newEnvironment(ctx context.Context, image *resources.DockerImage, name string) (*DockerEnvironment, error) {
	if image == nil || image.Name == "" {
		return nil, fmt.Errorf("docker environment %q: no image", name)
	}
	if _, err := resources.ParseDockerImage(image.FullName()); err != nil {
		return nil, fmt.Errorf("docker environment %q: %w", name, err)
	}
	if !nameRE.MatchString(name) || len(name) > 200 {
		return nil, fmt.Errorf("docker environment: name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", name)
	}
	eng, err := newEngine(ctx, true)
	if err != nil {
		return nil, err
	}
	return &DockerEnvironment{
		image: image,
		name:  name,
		eng:   eng,
		cfg:   containerConfig{Image: image.FullName()},
		live:  make(map[*DockerProc]struct{}),
	}, nil
}

// ContainerName is the container's name, corral-<name>.
func (d *DockerEnvironment) ContainerName() string { return namePrefix + d.name }

// ContainerID is the container's ID; "" before Init and after Shutdown.
func (d *DockerEnvironment) ContainerID() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctr == nil {
		return ""
	}
	return d.ctr.id
}

// Endpoint is the engine the environment talks to.
func (d *DockerEnvironment) Endpoint() Endpoint { return d.eng.endpoint }

// WithMount bind-mounts the host path source (made absolute) at target,
// an absolute path inside the container. A bad path is an error of Init.
func (d *DockerEnvironment) WithMount(source, target string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	abs, err := filepath.Abs(source)
	switch {
	case err != nil:
		d.cfgErr = append(d.cfgErr, fmt.Errorf("docker: mount source %q: %w", source, err))
	case !path.IsAbs(target):
		d.cfgErr = append(d.cfgErr, fmt.Errorf("docker: mount target %q must be an absolute path inside the container", target))
	default:
		if _, err := os.Stat(abs); err != nil {
			d.cfgErr = append(d.cfgErr, fmt.Errorf("docker: mount source %q: %w", source, err))
			return
		}
		d.cfg.Mounts = append(d.cfg.Mounts, bind{Source: abs, Target: path.Clean(target)})
	}
}

// WithPortMapping publishes the container's TCP port containerPort on
// hostPort, on 127.0.0.1 unless WithPublicPorts. hostPort 0 lets the
// engine choose. containerPort 0 is an error of Init.
func (d *DockerEnvironment) WithPortMapping(_ context.Context, hostPort, containerPort uint16) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if containerPort == 0 {
		d.cfgErr = append(d.cfgErr, fmt.Errorf("docker: port mapping %d:0: container port 0", hostPort))
		return
	}
	d.cfg.Ports = append(d.cfg.Ports, portMap{Host: hostPort, Container: containerPort})
}

// WithPublicPorts publishes the mapped ports on every interface (0.0.0.0)
// instead of 127.0.0.1.
func (d *DockerEnvironment) WithPublicPorts() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.PublicPorts = true
}

// WithUser runs the container and its processes as user: "UID[:GID]" or
// a name the image knows.
func (d *DockerEnvironment) WithUser(user string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.User = user
}

// WithPause makes the container idle (a shell loop, needing sh and sleep
// in the image) instead of running the image's entrypoint and command, so
// that it stays up for the processes corral starts in it.
func (d *DockerEnvironment) WithPause() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.Pause = true
}

// WithEntrypoint replaces the image's entrypoint; with no arguments it
// clears it, so the image's command runs alone.
func (d *DockerEnvironment) WithEntrypoint(cmd ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.EntrypointSet = true
	d.cfg.Entrypoint = append([]string(nil), cmd...)
}

// WithWorkDir sets the directory processes start in, inside the container
// (default: the environment's dir, else the image's working directory).
func (d *DockerEnvironment) WithWorkDir(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.WorkDir = dir
}

// WithEphemeral marks the container as ephemeral: the sweep
// (ReapStaleContainers) removes it once its owner is dead, running or
// not, and no other environment reuses it.
func (d *DockerEnvironment) WithEphemeral() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg.Ephemeral = true
}

// WithPullProgress sets a function Init calls with each step of an image
// pull (from Init's goroutine); nil: none. The CLI uses it for a progress
// line on a terminal.
func (d *DockerEnvironment) WithPullProgress(f func(PullProgress)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.progress = f
}

// WithEnvironmentVariables adds variables given to every process the
// environment starts from now on, including processes created before the
// call and not yet started. They go to each exec, never into the
// container's configuration or labels. An invalid variable makes Start
// fail with an error naming it.
func (d *DockerEnvironment) WithEnvironmentVariables(_ context.Context, envs ...*resources.EnvironmentVariable) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.envs = append(d.envs, envmerge.Copy(envs)...)
}
