package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/companion"
	"github.com/corralrun/corral/runners/docker"
	"github.com/spf13/cobra"
)

// Backends `corral run --backend` accepts: the companion's names
// (kubernetes is accepted too, and refused by the companion).
const (
	backendAuto   = companion.Auto
	backendNative = companion.Native
	backendNix    = companion.Nix
	backendDocker = companion.Docker
)

type runOptions struct {
	backend string
	image   string
	dir     string
	env     []string
	ports   []string
	volumes []string
	grace   time.Duration
	stopSig string
	noGuard bool
	explain bool
	command []string
}

// runConfig is runOptions checked and parsed.
type runConfig struct {
	backend string
	dir     string
	envs    []*resources.EnvironmentVariable
	ports   []portMapping
	volumes []volumeMapping
	image   *resources.DockerImage
	grace   time.Duration
	stopSig syscall.Signal // 0: SIGTERM
	guarded bool           // a guardian stops the tree if corral dies
	command []string
}

// portMapping is one -p HOST:CONTAINER.
type portMapping struct{ host, container int }

func newRunCommand(d *deps) *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [flags] -- CMD [ARG...]",
		Short: "Run one command under supervision",
		Long: `Run one command under supervision. Its stdout, stderr and stdin are
corral's; corral exits with its exit code (128+N when it died of signal N).
SIGINT, SIGTERM or SIGHUP to corral stops the whole tree; a second one kills
it at once.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf(cmd.CommandPath(), "missing the command to run: corral run [flags] -- CMD [ARG...]")
			}
			return nil
		},
		RunE: ranE(d, func(cmd *cobra.Command, args []string) error {
			opts.command = args
			return runRun(cmd.Context(), d, opts)
		}),
	}
	flags := cmd.Flags()
	// Flags stop at the command: in `corral run ls -l`, -l is ls's.
	flags.SetInterspersed(false)
	flags.StringVar(&opts.backend, "backend", backendAuto, "where to run: auto (docker with --image, nix in a flake directory, else native), native, nix or docker")
	flags.BoolVar(&opts.explain, "explain", false, "say on stderr which backend runs the command and why, before it runs")
	flags.StringVar(&opts.image, "image", "", "container image for the docker backend")
	flags.StringVar(&opts.dir, "dir", ".", "directory the command runs in")
	flags.StringArrayVarP(&opts.env, "env", "e", nil, "set an environment variable, KEY=VALUE, or KEY alone for corral's own value of KEY (left unset when corral has none); repeatable")
	flags.StringArrayVarP(&opts.ports, "publish", "p", nil, "publish a container port, HOST:CONTAINER (docker backend; repeatable)")
	flags.StringArrayVarP(&opts.volumes, "volume", "v", nil, "bind-mount a host path, HOST:CONTAINER (docker backend; repeatable)")
	opts.grace = base.DefaultGracePeriod
	flags.Var(graceFlag{&opts.grace}, "grace", "how long a stop waits between SIGTERM and SIGKILL, 0 to "+maxGraceText)
	flags.StringVar(&opts.stopSig, "stop-signal", "TERM", "the signal a stop sends first (TERM, INT, HUP, QUIT, USR1, USR2, or a number)")
	flags.BoolVar(&opts.noGuard, "no-guardian", false, "start no guardian process (a few milliseconds less per run); a tree whose corral is killed then waits for the next corral command to be stopped")
	return cmd
}

// runRun checks opts, chooses the backend, reaps what dead corral
// processes left, then runs the command and returns its outcome as an
// error exitCode understands.
func runRun(ctx context.Context, d *deps, opts *runOptions) error {
	if err := checkCorralEnv("corral run", os.Getenv); err != nil {
		return err
	}
	cfg, err := opts.config("corral run")
	if err != nil {
		return err
	}
	if err := opts.choose(ctx, d, "corral run", cfg); err != nil {
		return err
	}
	if err := openHome(); err != nil {
		return err
	}
	defer d.reapFirst(ctx)()
	if cfg.backend == backendDocker {
		return runDocker(ctx, d, cfg)
	}
	return runNative(ctx, d, cfg)
}

// config checks the options that need no look at the host; every error
// is a usage error for cmdPath.
func (opts *runOptions) config(cmdPath string) (*runConfig, error) {
	cfg := &runConfig{dir: opts.dir, command: opts.command}
	if fi, err := os.Stat(opts.dir); err != nil || !fi.IsDir() {
		return nil, usageErrorf(cmdPath, "bad --dir %q: not a directory", opts.dir)
	}
	for _, s := range opts.env {
		e, err := parseEnvFlag(s, os.LookupEnv)
		if err != nil {
			return nil, usageErrorf(cmdPath, "bad -e %q: %v", s, err)
		}
		if e != nil {
			cfg.envs = append(cfg.envs, e)
		}
	}
	for _, s := range opts.ports {
		m, err := parsePortMapping(s)
		if err != nil {
			return nil, usageErrorf(cmdPath, "bad -p %q: %v", s, err)
		}
		cfg.ports = append(cfg.ports, m)
	}
	cfg.grace = opts.grace
	var err error
	cfg.guarded = !opts.noGuard
	if cfg.stopSig, err = parseStopSignal(opts.stopSig); err != nil {
		return nil, usageErrorf(cmdPath, "bad --stop-signal %q: %v", opts.stopSig, err)
	}
	if err := opts.dockerConfig(cmdPath, cfg); err != nil {
		return nil, err
	}
	if opts.backend == backendNix {
		if err := checkFlakeDir(cmdPath, opts.dir); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// choose asks the companion's choice (runners/companion.Choose, the one
// place the choice is made) for the backend of --backend, --image and
// --dir, says it on stderr under --explain, and checks the options that
// only the chosen backend takes. An unknown backend is a usage error; one
// that cannot run here an error naming what is missing.
func (opts *runOptions) choose(ctx context.Context, d *deps, cmdPath string, cfg *runConfig) error {
	logger := d.logger()
	if opts.explain {
		// The choice is printed below; its log line would say it twice.
		logger = slog.New(slog.DiscardHandler)
	}
	choice, err := companion.Choose(ctx, companion.CompanionOpts{
		SourceDir: cfg.dir, Image: cfg.image, PreferredBackend: opts.backend, Logger: logger,
	})
	var unavailable *companion.UnavailableError
	switch {
	case errors.Is(err, companion.ErrUnknownBackend):
		return usageErrorf(cmdPath, "unknown backend %q: want auto, native, nix or docker", opts.backend)
	case errors.As(err, &unavailable) && unavailable.Backend == backendDocker && cfg.image == nil:
		// Bad usage first; the engine too when it does not answer, so
		// that one line names everything missing.
		msg := "--backend docker needs --image REF"
		var engine *docker.EngineError
		if errors.As(err, &engine) {
			msg += "; and " + engine.Error()
		}
		return &usageError{cmd: cmdPath, err: errors.New(msg)}
	case errors.As(err, &unavailable):
		return fmt.Errorf("--backend %s cannot run here: %w", unavailable.Backend, unavailable.Missing)
	case err != nil:
		return err
	}
	if opts.explain {
		fmt.Fprintln(d.stderr, "corral: "+choice.Reason)
	}
	cfg.backend = choice.Backend
	if len(cfg.ports) > 0 && cfg.backend != backendDocker {
		return usageErrorf(cmdPath, "-p needs --backend docker: a %s command binds host ports itself", cfg.backend)
	}
	if len(cfg.volumes) > 0 && cfg.backend != backendDocker {
		return usageErrorf(cmdPath, "-v needs --backend docker: a %s command sees the host's files already", cfg.backend)
	}
	return nil
}

// parseEnvFlag parses one -e: KEY=VALUE, or KEY alone for the value
// lookup (the host's environment) gives KEY, as `docker run -e KEY` does.
// A KEY the host does not have gives nil: the variable is not set, not
// set empty.
func parseEnvFlag(s string, lookup func(string) (string, bool)) (*resources.EnvironmentVariable, error) {
	if strings.Contains(s, "=") {
		return resources.ParseEnvironmentVariable(s)
	}
	v, ok := lookup(s)
	e := &resources.EnvironmentVariable{Key: s, Value: v}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return e, nil
}

// parsePortMapping parses HOST:CONTAINER, two TCP ports in 1-65535.
func parsePortMapping(s string) (portMapping, error) {
	host, container, ok := strings.Cut(s, ":")
	if !ok {
		return portMapping{}, errors.New("want HOST:CONTAINER")
	}
	h, err := parsePort(host)
	if err != nil {
		return portMapping{}, fmt.Errorf("host port: %w", err)
	}
	c, err := parsePort(container)
	if err != nil {
		return portMapping{}, fmt.Errorf("container port: %w", err)
	}
	return portMapping{host: h, container: c}, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number in 1-65535", s)
	}
	return n, nil
}

// runNative runs cfg.command on the host and waits for it, stopping the
// tree when corral is signalled.
func runNative(ctx context.Context, d *deps, cfg *runConfig) error {
	newProc := newNativeProc
	if cfg.backend == backendNix {
		newProc = newNixProc
	}
	proc, containment, err := newProc(ctx, d, cfg)
	if err != nil {
		return err
	}
	stdio, err := newChildStdio(d)
	if err != nil {
		return err
	}
	defer stdio.close()
	ctty, closeTTY := findControllingTerminal(d.stdin, d.openTTY) // in the foreground or not
	defer closeTTY()
	prepare := func(p runProc) {
		p.WithStdio(stdio.in, stdio.out, stdio.err)
		if tty := foregroundTerminal(ctty); tty != nil {
			p.WithForeground(tty)
		}
	}
	prepare(proc)
	orphans := adoptOrphans(containment, d.logger())

	// Notified before Start, so that a signal during the start is not
	// lost: it stops the tree as soon as there is one.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stoppingSignals...)
	defer signal.Stop(sigs)

	err = proc.Start(ctx)
	if sh := withShell(cfg, err); sh != nil {
		if proc, _, err = newProc(ctx, d, sh); err == nil {
			prepare(proc)
			err = proc.Start(ctx)
		}
	}
	if err != nil {
		orphans.stop()
		return execStatus(err)
	}
	stdio.started()
	signal.Notify(sigs, forwardedSignals...)
	orphans.reapFor(proc.PID())
	var jobs *jobControl
	if ctty != nil {
		jobs = followJobControl(ctty, proc, d.logger())
	}
	received, err := waitRun(proc, sigs, d)
	if jobs != nil {
		jobs.stop()
	}
	orphans.stop()
	// Take back only a terminal corral gave away: corral may be in the
	// background by now (bg), and the terminal the shell's.
	if ctty != nil && terminalHeldBy(ctty, proc.PID()) {
		if terr := reclaimTerminal(ctty); terr != nil {
			d.logger().Warn("corral: take the terminal back", "err", terr)
		}
	}
	stdio.wait()
	if received != 0 {
		// A corral run inside the tree died with it: its records now
		// name a dead owner's trees, already stopped. Clear them now
		// rather than at the next corral command.
		d.reapFirst(ctx)()
	}
	d.reraise = reraised(received, err)
	if received != 0 {
		return &statusError{code: 128 + int(received)}
	}
	return err
}

// newNativeProc creates the environment and the process of cfg.
func newNativeProc(ctx context.Context, d *deps, cfg *runConfig) (runProc, base.Containment, error) {
	env, err := base.NewNativeEnvironment(ctx, cfg.dir)
	if err != nil {
		return nil, base.Containment{}, err
	}
	env.WithLogger(d.logger())
	return hostProc(ctx, env, cfg, "native")
}

// hostEnv is an environment whose processes run on this host, in its
// containment: Native and Nix.
type hostEnv interface {
	base.RunnerEnvironment
	WithGracePeriod(time.Duration)
	WithStopSignal(syscall.Signal)
	WithGuardian(bool)
	Containment() base.Containment
}

// hostProc makes the process of cfg in env, ready to run in the
// foreground.
func hostProc(ctx context.Context, env hostEnv, cfg *runConfig, kind string) (runProc, base.Containment, error) {
	env.WithGracePeriod(cfg.grace)
	env.WithStopSignal(cfg.stopSig)
	env.WithGuardian(cfg.guarded) // kill -9 of corral stops the tree at once, not at the next reap
	env.WithEnvironmentVariables(ctx, cfg.envs...)
	p, err := env.NewProcess(cfg.command[0], cfg.command[1:]...)
	if err != nil {
		return nil, base.Containment{}, execStatus(err)
	}
	proc, ok := p.(runProc)
	if !ok {
		return nil, base.Containment{}, fmt.Errorf("%s environment returned a %T, which cannot run in the foreground", kind, p)
	}
	return proc, env.Containment(), nil
}

// waitRun waits for proc to end. The first of stoppingSignals corral receives
// stops the tree (that signal, grace, SIGKILL); a second one cuts the
// grace short. forwardedSignals are passed on to the tree.
// It returns the first signal received, or 0, and the process's result.
func waitRun(proc base.Proc, sigs <-chan os.Signal, d *deps) (syscall.Signal, error) {
	done := make(chan error, 1)
	go func() { done <- proc.Wait(context.Background()) }() // ends with the proc
	stopCtx, hurry := context.WithCancel(context.Background())
	defer hurry()
	var (
		received syscall.Signal
		stopped  chan error // set once Stop runs; it returns once the tree is gone
	)
	for {
		select {
		case err := <-done:
			if stopped != nil {
				if serr := <-stopped; serr != nil {
					d.logger().Warn("corral: stop", "err", serr)
				}
			}
			return received, err
		case s := <-sigs:
			sig, _ := s.(syscall.Signal)
			if isForwarded(sig) {
				forward(proc, sig, d)
				continue
			}
			if received != 0 {
				d.logger().Info("corral: second signal, killing the tree now", "signal", sig)
				hurry()
				continue
			}
			received = sig
			d.logger().Info("corral: stopping the tree", "signal", sig)
			stopped = make(chan error, 1)
			go func() { stopped <- stopWith(stopCtx, proc, sig) }()
		}
	}
}
