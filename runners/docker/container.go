package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// liveContainer is the container an Init made or reused.
type liveContainer struct {
	id      string
	hash    string
	env     []string // the container's environment: what every exec inherits
	workDir string
	user    string
	reused  bool
	found   sync.Map // lookupKey → struct{}: binaries found
	agents  agents   // the tree walk agent
}

// Init makes the container corral-<name> and starts it, pulling the image
// first if the engine lacks it (progress to the logger and to
// WithPullProgress). An existing container of ours with the same
// configuration that runs is reused, unless it is ephemeral and another
// process made it; one with another configuration, or stopped, is removed
// and made again, unless its owner still runs (then Init fails, naming
// it). A container of that name that corral did not make is never
// touched: Init fails. Init may be called again: it does nothing while the
// configuration is unchanged.
func (d *DockerEnvironment) Init(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shut {
		return ErrShutdown
	}
	if err := errors.Join(d.cfgErr...); err != nil {
		return err
	}
	logger := d.Logger()
	img, err := d.eng.ensureImage(ctx, d.image, logger, d.progress)
	if err != nil {
		return err
	}
	cfg := d.cfg
	cfg.Mounts, cfg.Ports = slices.Clone(cfg.Mounts), slices.Clone(cfg.Ports)
	cfg.ImageID = img.ID
	if img.Config != nil {
		cfg.NeedsKeepAlive = !cfg.EntrypointSet && len(img.Config.Entrypoint) == 0 && len(img.Config.Cmd) == 0
	} else {
		cfg.NeedsKeepAlive = !cfg.EntrypointSet
	}
	hash := cfg.hash()
	if d.ctr != nil && d.ctr.hash == hash {
		return nil
	}
	ctr, err := d.ensureContainer(ctx, &cfg, hash)
	if err != nil {
		return err
	}
	if d.ctr != nil {
		d.ctr.agents.close()
	}
	d.ctr = ctr
	return nil
}

func (d *DockerEnvironment) ensureContainer(ctx context.Context, cfg *containerConfig, hash string) (*liveContainer, error) {
	self, err := selfOwner()
	if err != nil {
		return nil, err
	}
	name := d.ContainerName()
	logger := d.Logger()
	found, err := d.eng.api.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	switch {
	case cerrdefs.IsNotFound(err):
	case err != nil:
		return nil, d.eng.apiError("inspect container "+name, err)
	default:
		ctr, reuse, err := d.judgeExisting(ctx, found.Container.ID, found.Container.Config.Labels, found.Container.State.Running, hash, self)
		if err != nil || reuse {
			if ctr != nil {
				ctr.env, ctr.workDir, ctr.user = found.Container.Config.Env, found.Container.Config.WorkingDir, found.Container.Config.User
				logger.Info("docker: reusing container", "container", name, "id", shortID(ctr.id))
			}
			return ctr, err
		}
	}
	labels := containerLabels(d.name, self, cfg.Ephemeral, hash)
	ccfg, hcfg, err := cfg.createOptions(labels)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	created, err := d.eng.api.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: ccfg, HostConfig: hcfg})
	if err != nil {
		if ctx.Err() != nil {
			// The engine may have made it before the cancel reached it.
			d.removeQuietly(name)
			return nil, ctx.Err()
		}
		return nil, d.eng.apiError("create container "+name+" from "+cfg.Image, err)
	}
	if _, err := d.eng.api.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		d.removeQuietly(created.ID)
		return nil, d.eng.apiError("start container "+name, err)
	}
	inspect, err := d.eng.api.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	if err != nil {
		d.removeQuietly(created.ID)
		return nil, d.eng.apiError("inspect container "+name, err)
	}
	if st := inspect.Container.State; st == nil || !st.Running {
		code := 0
		if st != nil {
			code = st.ExitCode
		}
		d.removeQuietly(created.ID)
		return nil, fmt.Errorf("docker: container %s stopped as soon as it started (exit status %d): give it an entrypoint that keeps running, or use WithPause", name, code)
	}
	logger.Info("docker: started container", "container", name, "id", shortID(created.ID), "image", cfg.Image, "elapsed", time.Since(started).Round(time.Millisecond))
	c := inspect.Container.Config
	return &liveContainer{id: created.ID, hash: hash, env: c.Env, workDir: c.WorkingDir, user: c.User}, nil
}

// judgeExisting decides about a container already named corral-<name>:
// reuse it (a *liveContainer and true), remove it so that a new one is
// made (nil, false, nil), or refuse (an error).
func (d *DockerEnvironment) judgeExisting(ctx context.Context, id string, labels map[string]string, running bool, hash string, self owner) (*liveContainer, bool, error) {
	name := d.ContainerName()
	lb, ours := parseLabels(labels)
	if !ours {
		return nil, false, fmt.Errorf("docker: a container named %s exists that corral did not make; remove it or choose another name", name)
	}
	ownerLive := lb.OK && (lb.Owner == self || ownerAlive(lb.Owner, self.Boot))
	switch {
	case running && lb.Hash == hash && (!lb.Ephemeral || lb.Owner == self):
		return &liveContainer{id: id, hash: hash, reused: true}, true, nil
	case ownerLive && lb.Owner != self:
		why := "with another configuration"
		if lb.Hash == hash {
			why = "as an ephemeral container of its own"
		}
		return nil, false, fmt.Errorf("docker: container %s is in use by pid %d %s; shut that environment down or choose another name", name, lb.Owner.PID, why)
	}
	if err := d.eng.remove(ctx, id); err != nil {
		return nil, false, err
	}
	d.Logger().Info("docker: removed stale container", "container", name, "id", shortID(id))
	return nil, false, nil
}

// remove force-removes a container; one already gone is not an error.
func (e *engine) remove(ctx context.Context, id string) error {
	_, err := e.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
		return e.apiError("remove container "+shortID(id), err)
	}
	return nil
}

// removeQuietly removes a container that failed to start; its error is
// logged, the start's error is what the caller reports.
func (d *DockerEnvironment) removeQuietly(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.eng.remove(ctx, id); err != nil {
		d.Logger().Warn("docker: remove container", "id", shortID(id), "err", err)
	}
}

// Stop stops every process the environment started that still runs (each
// tree: SIGTERM, grace, SIGKILL) and returns once they are gone. The
// container keeps running; the environment can be used again.
func (d *DockerEnvironment) Stop(ctx context.Context) error {
	d.mu.Lock()
	procs := make([]*DockerProc, 0, len(d.live))
	for p := range d.live {
		procs = append(procs, p)
	}
	d.mu.Unlock()
	errs := make(chan error, len(procs))
	for _, p := range procs {
		go func() { errs <- p.Stop(ctx) }()
	}
	var all []error
	for range procs {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// Shutdown stops every process, then removes the container and closes the
// connection to the engine. It is idempotent: a second call, or a call on
// an environment never initialised, returns nil. Afterwards Init and
// NewProcess return ErrShutdown. A process that could not be stopped
// inside the container (ErrNoShell) ends with the container: that is
// logged, and Shutdown fails only if the container could not be removed.
func (d *DockerEnvironment) Shutdown(ctx context.Context) error {
	if err := d.Stop(ctx); err != nil {
		d.Logger().Warn("docker: stop before removing the container", "container", d.ContainerName(), "err", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shut {
		return nil
	}
	d.shut = true
	var rmErr error
	if d.ctr != nil {
		// The processes are gone: no grace is owed to the container's
		// idle main process, and a fresh context lets a cancelled caller
		// still leave nothing behind.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		rmErr = d.eng.remove(rctx, d.ctr.id)
		cancel()
		if rmErr == nil {
			d.Logger().Info("docker: removed container", "container", d.ContainerName(), "id", shortID(d.ctr.id))
		}
		d.ctr.agents.close()
		d.ctr = nil
	}
	// Processes still finishing (their supervisors read the exit status
	// and look for leftovers) use the connection: close it after them.
	d.mu.Unlock()
	d.waitProcs(10 * time.Second)
	d.mu.Lock()
	if rmErr != nil {
		return errors.Join(rmErr, d.eng.close())
	}
	return d.eng.close()
}

// waitProcs waits, at most d, until every started process's supervisor
// has finished.
func (d *DockerEnvironment) waitProcs(limit time.Duration) {
	d.mu.Lock()
	procs := make([]*DockerProc, 0, len(d.live))
	for p := range d.live {
		procs = append(procs, p)
	}
	d.mu.Unlock()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for _, p := range procs {
		select {
		case <-p.done:
		case <-timer.C:
			return
		}
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
