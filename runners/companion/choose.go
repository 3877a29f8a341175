package companion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
)

// The backends a companion runs on, as Backend returns them and
// CompanionOpts.PreferredBackend names them.
const (
	Auto       = "auto" // PreferredBackend only: choose (also "")
	Docker     = "docker"
	Nix        = "nix"
	Native     = "native"
	Kubernetes = "kubernetes" // accepted as a name, never served: see ErrNoKubernetes
)

// ErrUnavailable is wrapped by the error of a preferred backend that
// cannot be served here; the error names what is missing.
var ErrUnavailable = errors.New("companion: backend unavailable")

// ErrNoKubernetes is the cause of PreferredBackend "kubernetes": corral
// has no Kubernetes backend yet.
var ErrNoKubernetes = errors.New("the kubernetes backend does not exist in corral yet; prefer docker, nix, native or auto")

// UnavailableError is the error of a preferred backend that cannot be
// served here. errors.Is(err, ErrUnavailable) holds, and so does
// errors.Is (and errors.As) on the cause, such as a *docker.EngineError.
type UnavailableError struct {
	// Backend is the backend asked for.
	Backend string
	// Missing says what is missing, and what to do about it.
	Missing error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("companion: the %s backend cannot run here: %v", e.Backend, e.Missing)
}

// Unwrap gives ErrUnavailable and the cause.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Missing} }

func unavailable(backend string, format string, args ...any) error {
	return &UnavailableError{Backend: backend, Missing: fmt.Errorf(format, args...)}
}

// ErrUnknownBackend is wrapped by the error of a PreferredBackend that is
// no backend's name.
var ErrUnknownBackend = errors.New("companion: unknown backend")

// engineBound bounds how long the choice waits for a Docker engine to
// answer: an engine that is down must not make every run slow.
const engineBound = 1500 * time.Millisecond

// CompanionOpts configures NewCompanionRunner and Choose.
type CompanionOpts struct {
	// Name names the Docker container, corral-<Name> (letters, digits,
	// '_', '.', '-'); "" gives a name of its own ("companion-<pid>-<random>").
	// Native and Nix use it only in logs.
	Name string
	// SourceDir is the project's directory: the working directory of every
	// process (unless WithWorkDir), where flake.nix is looked for, and
	// what a container bind-mounts at the same path. "" means the current
	// directory for Native and Nix, and no host directory (a headless
	// container) for Docker.
	SourceDir string
	// Image is the container image; nil rules Docker out.
	Image *resources.DockerImage
	// PreferredBackend is "" or "auto" (choose), "docker", "nix", "native"
	// or "kubernetes" (an error: there is no such backend yet). A backend
	// named here that cannot be served is an error, never a fallback.
	PreferredBackend string
	// Logger receives the choice and everything the backend logs; nil
	// means slog.Default().
	Logger *slog.Logger
}

func (o CompanionOpts) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// Choice is the backend a companion runs on and why.
type Choice struct {
	// Backend is Docker, Nix or Native.
	Backend string
	// Reason says in one sentence why Backend was chosen.
	Reason string
}

// facts is what the choice depends on, found out by probe.
type facts struct {
	preference string
	dir        string // SourceDir, absolute; "" when none was given
	image      string // the image's full name, "" when none
	engine     string // the engine's endpoint and product, when it answers
	engineErr  error  // why no engine answers; nil when probed and answering
	flake      bool   // dir holds flake.nix
	flakeErr   error  // why flake.nix could not be looked at (other than not existing)
	nix        string // nix's path, "" when not installed
}

// Choose decides the backend for opts without creating anything, as
// NewCompanionRunner does: it probes the Docker engine (bounded by about
// 1.5 s) only when an image is given and Docker may be chosen, and looks
// for nix only when SourceDir holds flake.nix. It runs no nix. The error
// of a backend that cannot be served wraps ErrUnavailable (ErrNoKubernetes
// for "kubernetes", a *docker.EngineError too when no engine answers); a
// preference that is no backend wraps ErrUnknownBackend.
func Choose(ctx context.Context, opts CompanionOpts) (Choice, error) {
	f, err := probe(ctx, opts)
	if err != nil {
		return Choice{}, err
	}
	c, err := decide(f)
	if err != nil {
		return Choice{}, err
	}
	logChoice(opts, c)
	return c, nil
}

// logChoice logs the choice: at Warn when an image was given and is not
// used (the caller asked for a container and gets none), else at Info.
func logChoice(opts CompanionOpts, c Choice) {
	level := slog.LevelInfo
	if opts.Image != nil && c.Backend != Docker {
		level = slog.LevelWarn
	}
	opts.logger().Log(context.Background(), level, "corral: companion backend chosen",
		"name", opts.Name, "backend", c.Backend, "reason", c.Reason)
}

// probe gathers the facts decide needs, skipping the probes whose answer
// cannot change the decision.
func probe(ctx context.Context, opts CompanionOpts) (facts, error) {
	f := facts{preference: opts.PreferredBackend}
	if f.preference == "" {
		f.preference = Auto
	}
	if opts.SourceDir != "" {
		abs, err := filepath.Abs(opts.SourceDir)
		if err != nil {
			return f, fmt.Errorf("companion: source directory %q: %w", opts.SourceDir, err)
		}
		f.dir = abs
	}
	if opts.Image != nil {
		f.image = opts.Image.FullName()
	}
	// Docker asked for is probed even without an image, so that the error
	// names every missing piece at once.
	if (f.image != "" && f.preference == Auto) || f.preference == Docker {
		f.engine, f.engineErr = probeEngine(ctx)
	}
	if f.preference == Auto || f.preference == Nix {
		f.flake, f.flakeErr = hasFlake(f.dirOrCwd())
		if f.flake && base.CheckNixInstalled() {
			f.nix = "nix"
		}
	}
	return f, nil
}

// probeEngine pings the engine ResolveEndpoint finds, within
// engineBound. Only when it does not answer is it asked again, for the
// error that names the endpoint and how it was chosen (an engine that
// answers then counts as answering): the common path
// costs one ping (the version request it would take to name the engine's
// product costs ten times more on dockerd).
func probeEngine(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, engineBound)
	defer cancel()
	ep, err := docker.ResolveEndpoint()
	if err != nil {
		return "", err
	}
	if docker.EngineRunning(ctx) {
		return fmt.Sprintf("the engine answers at %s (%s)", ep.Host, ep.Source), nil
	}
	info, err := docker.Engine(ctx)
	if err != nil {
		return "", err
	}
	// It answered the second time: up now.
	return fmt.Sprintf("%s answers at %s (%s)", info.Server, info.Endpoint.Host, info.Endpoint.Source), nil
}

// hasFlake reports whether dir holds flake.nix.
func hasFlake(dir string) (bool, error) {
	_, err := os.Stat(filepath.Join(dir, "flake.nix"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// dirOrCwd is the directory Native and Nix run in: SourceDir, else the
// current directory.
func (f facts) dirOrCwd() string {
	if f.dir != "" {
		return f.dir
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}

// decide is the whole choice as a pure function of the facts.
func decide(f facts) (Choice, error) {
	switch f.preference {
	case Auto:
		return decideAuto(f), nil
	case Docker:
		if err := f.dockerMissing(); err != nil {
			return Choice{}, err
		}
		return Choice{Docker, fmt.Sprintf("docker was asked for: image %s, and %s.", f.image, f.engine)}, nil
	case Nix:
		if err := f.nixMissing(); err != nil {
			return Choice{}, err
		}
		return Choice{Nix, fmt.Sprintf("nix was asked for: %s holds flake.nix and nix is installed.", f.dirOrCwd())}, nil
	case Native:
		reason := "native was asked for."
		if f.image != "" {
			reason = fmt.Sprintf("native was asked for: the image %s is not used.", f.image)
		}
		return Choice{Native, reason}, nil
	case Kubernetes:
		return Choice{}, &UnavailableError{Backend: Kubernetes, Missing: ErrNoKubernetes}
	}
	return Choice{}, fmt.Errorf("%w %q: want auto, docker, nix or native", ErrUnknownBackend, f.preference)
}

// decideAuto: Docker when an image is given and the engine answers, else
// Nix when the directory holds flake.nix and nix is installed, else
// Native. The reason says why each better backend was passed over.
func decideAuto(f facts) Choice {
	if f.image != "" && f.engineErr == nil {
		return Choice{Docker, fmt.Sprintf("docker was chosen: image %s given and %s.", f.image, f.engine)}
	}
	notDocker := "no image given"
	if f.image != "" {
		notDocker = fmt.Sprintf("image %s given but %s", f.image, engineGone(f.engineErr))
	}
	if f.flake && f.nix != "" {
		return Choice{Nix, fmt.Sprintf("nix was chosen: %s, and %s holds flake.nix and nix is installed.", notDocker, f.dirOrCwd())}
	}
	notNix := fmt.Sprintf("no flake.nix in %s", f.dirOrCwd())
	switch {
	case f.flakeErr != nil:
		notNix = fmt.Sprintf("flake.nix in %s cannot be read (%v)", f.dirOrCwd(), f.flakeErr)
	case f.flake:
		notNix = fmt.Sprintf("%s holds flake.nix but nix is not installed", f.dirOrCwd())
	}
	return Choice{Native, fmt.Sprintf("native was chosen: %s, and %s.", notDocker, notNix)}
}

// dockerMissing says what Docker lacks here, or nil.
func (f facts) dockerMissing() error {
	if f.image == "" && f.engineErr != nil {
		return unavailable(Docker, "it needs an image (CompanionOpts.Image, --image), and %w", f.engineErr)
	}
	if f.image == "" {
		return unavailable(Docker, "it needs an image (CompanionOpts.Image, --image)")
	}
	if f.engineErr != nil {
		return &UnavailableError{Backend: Docker, Missing: f.engineErr}
	}
	return nil
}

// nixMissing says what Nix lacks here, or nil.
func (f facts) nixMissing() error {
	switch {
	case f.flakeErr != nil:
		return unavailable(Nix, "flake.nix in %s: %w", f.dirOrCwd(), f.flakeErr)
	case !f.flake:
		return unavailable(Nix, "it needs a flake.nix in %s; create one or choose the directory that has it", f.dirOrCwd())
	case f.nix == "":
		return unavailable(Nix, "it needs nix, which is not in PATH; install it: %s", base.NixInstallCommand())
	}
	return nil
}

// engineGone says briefly why no engine answers, for a reason: the
// endpoint and how it was chosen, without the advice the full error gives.
func engineGone(err error) string {
	var ee *docker.EngineError
	if errors.As(err, &ee) {
		return fmt.Sprintf("no engine answers at %s (%s)", ee.Endpoint.Host, ee.Endpoint.Source)
	}
	return err.Error()
}
