// Package companion runs a project's processes on the best backend this
// host offers — a Docker container, a Nix dev shell, or the host itself —
// behind one interface, CompanionRunner, so that the same code runs on a
// laptop with Docker, a machine with only Nix and a bare CI runner.
//
// # The choice
//
// NewCompanionRunner (and Choose, which decides without creating
// anything, as `corral run` does) picks, without a PreferredBackend (or
// with "auto"):
//
//  1. Docker, when CompanionOpts.Image is given and a Docker-compatible
//     engine answers within about 1.5 s at the endpoint the docker CLI
//     would use (DOCKER_HOST, the current context, the default socket);
//  2. else Nix, when SourceDir (default: the current directory) holds
//     flake.nix and nix is in PATH;
//  3. else Native.
//
// The engine is asked only when an image is given, and nix is looked for
// only when there is a flake.nix, so that the choice costs microseconds
// where there is nothing to ask. Choosing Nix runs no nix: whether flakes
// are enabled shows at Init (a cache hit needs no nix at all), as an error
// naming the setting, not as a fallback to Native.
//
// The choice and its reason are logged through log/slog
// (CompanionOpts.Logger, else slog.Default()): at Info, or at Warn when an
// image was given but no container will run (the caller asked for one).
// Reason returns the same sentence, such as "native was chosen: no image
// given, and no flake.nix in /src/app.".
//
// A PreferredBackend of "docker", "nix" or "native" is served or refused:
// never replaced by another. Refused, the error is an *UnavailableError
// (errors.Is(err, ErrUnavailable)) that names what is missing: the image,
// the engine's endpoint and how it was chosen (a *docker.EngineError in
// the chain), the flake.nix, or nix with how to install it. "kubernetes"
// is refused with ErrNoKubernetes: corral has no Kubernetes backend yet.
// Any other name is ErrUnknownBackend.
//
// # Settings a host backend cannot honour
//
// WithMount, WithPortMapping and WithUser are a container's settings. On
// Native and Nix, processes see the host's files, bind the host's ports
// and run as corral's own user, so:
//
//   - a setting that already holds on the host takes effect as it is: a
//     mount of a path onto its own absolute path, a port mapped to
//     itself, the current user (by UID[:GID] or name);
//   - any other is an error, returned by Init and by every NewProcess,
//     naming the setting, the backend and what to do (change the
//     setting, or use Docker).
//
// An error, not a logged warning, because a warning is easily unseen
// (the default logger may drop it, the CLI shows only warnings) while the
// process would fail later and far from the cause: a program reading its
// configuration at the mount target, a client dialling the mapped port,
// files written as the wrong user. Fix the configuration per backend with
// Backend() when one configuration must serve several hosts.
//
// WithEntrypoint and WithPause concern only an image and its container;
// on Native and Nix they are logged at Info and change nothing.
//
// WithWorkDir applies to every process of every backend: on Native and
// Nix each new process starts there (a proc's own WithDir still wins), in
// a container it is the working directory of every exec. A relative
// directory is taken from SourceDir, which a container bind-mounts at the
// same path, so one value works everywhere.
//
// # Lifecycle
//
// NewCompanionRunner creates nothing. Init creates what the backend needs:
// Docker makes or reuses the container corral-<Name> (see runners/docker);
// Nix materialises the dev shell, cached in $CORRAL_HOME/nix (NixCacheDir;
// default ~/.corral/nix), so that a later runner of the same flake, in this
// process or another, runs no nix; Native has nothing to do. NewProcess
// before Init does what the backend does: Native runs, Nix runs the
// process wrapped in `nix develop`, Docker fails (no container yet).
// Shutdown stops every process and releases what Init made (the
// container, a temporary GC root). A CompanionRunner is safe for
// concurrent use; RunnerEnv gives the backend's own environment for what
// only that backend offers (WithPublicPorts, Materialized, …).
//
// # One contract over every backend
//
// The processes are the backend's own, with the whole Proc contract of
// runners/base. The package's tests run the shared contract suite
// (internal/proctest) over a companion of each backend — Native, Nix
// before and after Init, Docker on dockerd and on Podman's API — so a
// difference between backends is a failing test. No backend declares a
// clause unsupported: each honours all of them, including the stop of a
// whole tree (a container's tree is stopped inside the container) and
// goroutines that do not outlive a proc.
//
// What the backends do not share is what they contain and clean up:
//
//   - Native and Nix: a cgroup per tree where one is writable (a
//     grandchild that calls setsid is still stopped), else a process
//     group; a durable record per tree, and the reaper
//     (base.ReapStaleProcessGroups) stops the trees of a dead owner.
//   - Docker: the container is the containment; a tree is stopped inside
//     it; docker.ReapStaleContainers removes the ephemeral containers of
//     dead owners. Ports publish on 127.0.0.1.
//
// A program that starts processes should reap at start-up, before it
// starts its own: see the package's examples.
package companion
