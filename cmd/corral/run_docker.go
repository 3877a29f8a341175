package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/docker"
)

// volumeMapping is one -v HOST:CONTAINER.
type volumeMapping struct{ host, container string }

// parseVolume parses HOST:CONTAINER: an existing host path and an
// absolute path inside the container.
func parseVolume(s string) (volumeMapping, error) {
	host, ctr, ok := strings.Cut(s, ":")
	if !ok || host == "" || ctr == "" {
		return volumeMapping{}, errors.New("want HOST:CONTAINER")
	}
	if !path.IsAbs(ctr) {
		return volumeMapping{}, fmt.Errorf("container path %q must be absolute", ctr)
	}
	abs, err := filepath.Abs(host)
	if err != nil {
		return volumeMapping{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return volumeMapping{}, fmt.Errorf("host path %q does not exist", host)
	}
	return volumeMapping{host: abs, container: ctr}, nil
}

// dockerConfig checks --image and -v: an image that parses (refused by
// native and nix; choose says that docker needs one), and volumes that
// exist.
func (opts *runOptions) dockerConfig(cmdPath string, cfg *runConfig) error {
	switch {
	case opts.image != "" && (opts.backend == backendNative || opts.backend == backendNix):
		return usageErrorf(cmdPath, "--image needs --backend docker or auto, not %s", opts.backend)
	case opts.image != "":
		img, err := resources.ParseDockerImage(opts.image)
		if err != nil {
			return usageErrorf(cmdPath, "bad --image: %v", err)
		}
		cfg.image = img
	}
	for _, s := range opts.volumes {
		v, err := parseVolume(s)
		if err != nil {
			return usageErrorf(cmdPath, "bad -v %q: %v", s, err)
		}
		cfg.volumes = append(cfg.volumes, v)
	}
	return nil
}

// runDocker runs cfg.command in a container of its own, made for it
// (ephemeral: removed when the command ends, also on a signal, and by the
// next corral's sweep if corral is killed), and waits for it. The
// container idles (WithPause) and the command runs in it through exec,
// so the image's entrypoint and command do not run, as with `docker run
// IMAGE CMD` for an image without an entrypoint.
func runDocker(ctx context.Context, d *deps, cfg *runConfig) error {
	env, err := newRunContainer(ctx, d, cfg)
	if err != nil {
		return err
	}
	defer func() {
		// Removed whatever happens; a cancelled ctx must not leave it.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := env.Shutdown(sctx); err != nil {
			d.logger().Warn("corral: remove container", "container", env.ContainerName(), "err", err)
		}
	}()
	// Notified before Init, so that Ctrl-C during a pull or a start is
	// not lost.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stoppingSignals...)
	defer signal.Stop(sigs)
	initCtx, cancelInit := context.WithCancel(ctx)
	defer cancelInit()
	initDone := make(chan error, 1)
	go func() { initDone <- env.Init(initCtx) }()
	select {
	case err := <-initDone:
		if err != nil {
			return err
		}
	case s := <-sigs:
		cancelInit()
		<-initDone
		sig, _ := s.(syscall.Signal)
		return &statusError{code: 128 + int(sig)}
	}
	p, err := env.NewProcess(cfg.command[0], cfg.command[1:]...)
	if err != nil {
		return execStatus(err)
	}
	copies, err := wireDockerStdio(d, p)
	if err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	signal.Notify(sigs, forwardedSignals...)
	received, err := waitRun(p, sigs, d)
	copies.Wait()
	if received != 0 {
		return &statusError{code: 128 + int(received)}
	}
	return err
}

// newRunContainer configures the environment of one `corral run`.
func newRunContainer(ctx context.Context, d *deps, cfg *runConfig) (*docker.DockerEnvironment, error) {
	b := make([]byte, 4)
	rand.Read(b)
	name := fmt.Sprintf("run-%d-%s", os.Getpid(), hex.EncodeToString(b))
	env, err := docker.NewDockerEnvironment(ctx, cfg.image, cfg.dir, name)
	if err != nil {
		return nil, err
	}
	env.WithEphemeral()
	env.WithPause()
	env.WithGracePeriod(cfg.grace)
	env.WithStopSignal(cfg.stopSig)
	env.WithLogger(d.logger())
	env.WithEnvironmentVariables(ctx, cfg.envs...)
	for _, m := range cfg.ports {
		env.WithPortMapping(ctx, uint16(m.host), uint16(m.container))
	}
	for _, v := range cfg.volumes {
		env.WithMount(v.host, v.container)
	}
	if f, ok := d.stderr.(*os.File); ok && controllingTerminal(f) != nil {
		env.WithPullProgress(progressLine(f))
	}
	return env, nil
}

// wireDockerStdio gives the command corral's streams: stdout raw to
// corral's stdout, stderr line by line to corral's stderr, corral's stdin
// (when there is one) to its stdin. The returned group ends once stdout
// was copied.
func wireDockerStdio(d *deps, p interface {
	StdoutPipe() (io.ReadCloser, error)
	StdinPipe() (io.WriteCloser, error)
	WithOutput(io.Writer)
}) (*sync.WaitGroup, error) {
	out, err := p.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.WithOutput(d.stderr)
	if d.stdin != nil {
		in, err := p.StdinPipe()
		if err != nil {
			return nil, err
		}
		// Ends at corral's stdin EOF, or at the first write after the
		// command exited; a terminal's reader may outlive the command by
		// one read, which corral's exit ends.
		go func() {
			io.Copy(in, d.stdin)
			in.Close()
		}()
	}
	var wg sync.WaitGroup
	wg.Go(func() { io.Copy(d.stdout, out) })
	return &wg, nil
}

// progressLine returns a pull progress reporter that rewrites one line
// of the terminal f, at most every 100 ms, and ends it when the pull is
// complete.
func progressLine(f *os.File) func(docker.PullProgress) {
	var last time.Time
	return func(p docker.PullProgress) {
		done := p.Layers > 0 && p.Done == p.Layers
		if !done && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		line := fmt.Sprintf("pulling %s: %d/%d layers", p.Ref, p.Done, p.Layers)
		if p.Total > 0 {
			line += fmt.Sprintf(", %s/%s", humanBytes(uint64(p.Current)), humanBytes(uint64(p.Total)))
		}
		end := ""
		if done {
			end = "\n"
		}
		fmt.Fprintf(f, "\r\033[K%s%s", line, end)
	}
}
