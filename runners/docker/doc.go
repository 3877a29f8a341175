// Package docker is corral's Docker backend: a RunnerEnvironment whose
// processes run through exec in one container, with the Proc contract of
// runners/base, and the sweep that removes the containers of dead owners.
// It talks to the engine through the Docker Engine API, never the docker
// CLI, and works against dockerd and against Podman's Docker-compatible
// API (`podman system service`).
//
// # Client
//
// The client is github.com/moby/moby/client (with
// github.com/moby/moby/api for the types): the module the Moby project
// now develops and releases, with semantic versions, where
// github.com/docker/docker (v28 +incompatible) is the frozen older path
// of the same code. It negotiates the API version on the first ping (down
// to 1.40; dockerd 20.10 and Podman 4 speak 1.41).
//
// # Endpoint
//
// ResolveEndpoint finds the engine as the docker CLI does: DOCKER_HOST
// (with DOCKER_CERT_PATH and DOCKER_TLS_VERIFY for TLS); else the context
// named by DOCKER_CONTEXT, else the currentContext of config.json in
// DOCKER_CONFIG (default ~/.docker), read from the context store
// (contexts/meta/<sha256 of the name>/meta.json, TLS material under
// contexts/tls/); else unix:///var/run/docker.sock. The context "default"
// is the default socket. ssh:// endpoints need the docker CLI's
// connection helper and are not supported. An engine that does not answer
// within 2 s is an *EngineError naming the endpoint, how it was chosen
// and what to try; a unix socket that does not exist is known without
// dialling, which keeps EngineRunning and ReapStaleContainers at a few
// microseconds on a machine without Docker.
//
// # The container
//
// NewDockerEnvironment connects; Init makes the container corral-<name>:
// the image pulled if the engine lacks it (progress to the logger and to
// WithPullProgress), an init process (the engine's, Init: true) as PID 1,
// dir bind-mounted at the same path and used as the working directory,
// ports published on 127.0.0.1 unless WithPublicPorts. It runs the
// image's entrypoint and command; WithEntrypoint replaces the entrypoint;
// with WithPause, or when the image has neither entrypoint nor command,
// it idles in a shell loop instead, so that it stays up for the processes
// started in it. Labels (prefix run.corral.) carry the owner's identity
// (PID, start time, PID namespace and boot id, as internal/records reads
// them), whether the container is ephemeral, and a hash of the
// configuration. Environment variables are never part of the container:
// they go to each exec, so that no value reaches a label, the
// container's configuration or a log.
//
// A container of that name with the same configuration hash that runs is
// reused, unless it is ephemeral and another process made it; one that
// differs or is stopped is removed and made again, unless its owner still
// runs with another configuration (Init then fails, naming the owner's
// PID). A container of that name without corral's label is never
// touched: Init fails. Shutdown stops every process and removes the
// container; it is idempotent.
//
// # Processes
//
// NewProcess needs an initialised environment (ErrNotInitialized
// otherwise) and looks the binary up inside the container through the
// engine's file stat (HEAD /containers/{id}/archive), every PATH
// directory at once, symlinks followed: it needs nothing from the image.
// A binary found is remembered for the life of the container; one that is
// not there fails with base.ErrBinaryNotFound. "Executable" means any
// execute bit: the stat does not tell which user may run the file.
//
// A process is one exec. Its environment is the container's, then the
// environment's variables, then the process's, then the appends
// (internal/envmerge), then CORRAL_TREE=<a random tree id>, which every
// descendant inherits. Output is the exec's attach stream, demultiplexed
// into stdout and stderr and delivered line by line (internal/lines): one
// Write per line, whatever its length, a last line without newline
// delivered, the two streams never interleaved within a line. The end of
// the attach stream (the engine ends it once the process exited) is
// followed by one exec inspect for the exit status: no polling. A
// non-zero status is a *base.ExitError; the engine reports death by
// signal N as 128+N, which is what ExitCode returns (Signal stays 0: the
// API does not tell a signal from an exit status of 128+N).
//
// # Stopping a tree
//
// The engine has no call that signals an exec's process, let alone its
// descendants, so the tree is found inside the container: a POSIX sh
// script, run as root, walks /proc/*/environ for the tree's CORRAL_TREE
// value and signals the processes that carry it, children, grandchildren
// and those that called setsid or double-forked alike. The script runs
// as one long-lived exec per container (the agent, started on first
// need), which answers each walk over its open stream in a few
// milliseconds; if it cannot, one exec of the script answers instead. A
// tree counts as empty only once the leader's attach stream ended and a
// walk finds nothing (the engine answers an exec's start before the
// process runs).
// Stop runs internal/stop's sequence over that target: SIGTERM and
// SIGCONT, the grace period, SIGKILL, and a bounded wait until a walk
// finds none. When the leader exits on its own, whatever it left in its
// tree is stopped the same way before Wait returns. A process that clears
// CORRAL_TREE from its own environment escapes the walk (it still ends
// with the container).
//
// What the image must provide: /bin/sh, for the tree walk (busybox,
// alpine, debian and their descendants have it).
// The walk uses only builtins where read has -d (busybox ash, bash,
// mksh) and tr and grep under dash. Without /bin/sh, Stop fails with an
// error wrapping ErrNoShell that says so, and a process can be stopped
// only with its container (Shutdown). WithPause and an
// image without a command also need sleep.
//
// # Sweep
//
// ReapStaleContainers lists the containers with corral's label and
// decides each by one pure function (decideContainer): an owner on this
// boot is alive only if a process with its PID and its start time runs (a
// recycled PID does not protect a container); an owner of another boot is
// dead; an owner in another PID namespace is not judged. A dead owner's
// ephemeral containers are removed running or not, its stopped ones too;
// its persistent running ones are kept for reuse. A container without
// corral's label, or with owner labels that do not parse, is never
// touched. Removal is by container ID, so a container made again under
// the same name meanwhile is safe.
//
// # Logging
//
// Only through log/slog (WithLogger, else slog.Default): the executable's
// base name and the number of arguments, never the arguments or the
// environment.
package docker
