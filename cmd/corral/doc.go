// Command corral runs developer processes under supervision and reports on
// what it supervises. See SPEC.md, "The CLI: corral".
//
// Layout: one file per subcommand, each with an options struct, a
// newXCommand that wires flags and a runX(ctx, deps, opts) that does the
// work and writes only to the streams in deps. main.go holds the root
// command and exitCode, the one place where errors become exit codes.
//
// Exit codes:
//
//	0     success
//	1     an error of corral itself ("corral: <message>" on stderr), such
//	      as a --backend that cannot run here (one line naming what is
//	      missing: the engine's endpoint, nix, …)
//	2     bad usage: unknown command or flag, missing or malformed
//	      argument, an unknown backend; one line on stderr naming the
//	      problem and pointing to --help, never a usage dump
//	N     corral run: the command exited with status N
//	128+N corral run: the command died of signal N, or corral itself
//	      received signal N (SIGTERM, SIGHUP, SIGQUIT) and stopped the
//	      tree; for SIGINT corral instead dies of SIGINT itself (below)
//	126   corral run: the command exists but cannot be executed (no
//	      execute bit, a directory, a script whose #! interpreter is
//	      missing: "bad interpreter" naming it)
//	127   corral run: the command was not found
//
// Environment:
//
//	CORRAL_HOME         where records and caches live (default ~/.corral);
//	                    must be absolute: a relative one is bad usage
//	                    (exit 2). A home that cannot be used (a regular
//	                    file, a read-only directory, no $HOME to default
//	                    to) is exit 1 with one line naming it.
//	CORRAL_CONTAINMENT  pgroup forces process groups where cgroups would
//	                    do; any other non-empty value is bad usage (exit 2).
//
// Decisions the specification leaves open:
//
//   - `corral` without a command is a usage error (exit 2), so a script
//     calling `corral $CMD` with an empty variable fails loudly. A
//     mistyped command is answered with the nearest one ("did you mean
//     doctor?").
//   - `corral run -e KEY` (no "=") gives the command corral's own value of
//     KEY, as `docker run -e KEY` does; when corral has no KEY, the
//     command does not get it either (unset, not empty).
//   - `corral run --grace` takes a duration from 0 to 24h; longer is
//     refused as a typo (exit 2), as is a negative one.
//   - An executable text file without #! runs under /bin/sh, as
//     execvp(3) runs it.
//   - `corral version` and `corral --version` print one line: the module
//     version ("(devel)" for a build from a checkout) and the VCS revision
//     ("unknown revision" when the build recorded none, as under
//     -buildvcs=false).
//   - `corral run --backend nix` and `corral env` use the flake in --dir
//     (a --dir without flake.nix is bad usage, exit 2), materialised once
//     and cached under $CORRAL_HOME/nix: a later run runs no nix while
//     flake.nix, flake.lock and nix stay the same. While nix works for more
//     than a second, stderr says so: a spinner on one line, erased
//     afterwards, when stderr is a terminal, one plain line otherwise. A
//     flake that fails is exit 1 with nix's message on one line.
//   - `corral run --backend auto` (the default) chooses through
//     runners/companion.Choose, the one place the choice is made: docker
//     when --image is given and an engine answers within 1.5 s, else nix
//     when --dir holds flake.nix and nix is in PATH, else native. An image
//     given with no engine to run it is not an error: the command runs on
//     the next best backend and a warning on stderr says so (naming the
//     endpoint); `--backend docker` insists instead. `--explain` prints the
//     choice and its reason on stderr, one line starting "corral: ",
//     before the command runs. A --backend that cannot run here (docker
//     without an engine, nix without nix, kubernetes, which corral does not
//     have) exits 1 with one line naming what is missing; nothing runs.
//     -p and -v are checked against the backend chosen (docker only).
//   - `corral env` prints the variables the shell lays over corral's own
//     environment (KEY=value lines sorted by key, or one JSON object with
//     --json): the shell's exported variables without the build-only
//     ones, the host's HOME, TMPDIR, TERM and USER, and PATH as the
//     shell's followed by the host's.
//   - Every command but `port`, `doctor` and `ps` first reaps trees left by
//     dead corral processes (base.Reap); a failing reap is logged as a
//     warning and never fails the command. The command waits for that
//     reap at most a second (a tree that obeys its stop signal is gone by
//     then, and the port it held is free); a stale tree that takes its
//     grace period is announced in one line on stderr and stopped beside
//     the command, and if it is still stopping when the command ends, a
//     detached `corral reap` finishes the stop, so no command waits for
//     another tree's grace. A corral run stopped by a signal reaps again
//     once its tree is gone: a corral run inside the tree died with it,
//     and its records are cleared at once. `ps` only observes: listing must
//     never stop anything, so a `ps` shows the orphans a later command
//     will reap: OWNER says "orphaned" (the owner's PID and start time no
//     longer match a live process) and a line after the table says to run
//     `corral reap`. `ps --json` prints one object, {"trees": [...],
//     "containers": [...]}, whose schema (field names, types, meaning) is
//     in `corral ps --help`; CPU and memory are summed over each tree's
//     processes from one walk of /proc for all trees.
//   - When corral run receives SIGINT, SIGTERM, SIGHUP or SIGQUIT it stops
//     the whole tree with that same signal (a Python server gets its
//     KeyboardInterrupt), then the --grace period, then SIGKILL, and exits
//     128+N for the signal N it received, whatever the command did on its
//     way out, as a shell reports a job it killed. A second signal skips
//     the rest of the grace period and kills the tree at once. SIGQUIT is
//     such a stop, never a goroutine dump. SIGABRT is one too (exit 134,
//     no dump), but the tree gets the stop signal first, not ABRT, which
//     would make every member dump core.
//   - SIGUSR1, SIGUSR2 and SIGALRM sent to corral run are passed on to
//     every process of the tree and stop nothing (a reload, a log
//     reopen). Sent before the command started, or to a Docker run, whose
//     tree corral cannot signal, they are dropped with an info line.
//   - corral run starts a guardian (runners/base, NativeEnvironment.
//     WithGuardian): if corral itself is killed, even by SIGKILL, the
//     guardian stops the tree at once (stop signal, grace, SIGKILL)
//     instead of leaving it to the next corral command. It costs one
//     process per run, a few milliseconds; --no-guardian starts none.
//   - --stop-signal (default TERM) is what the tree gets first when corral
//     ends it for any other reason (its leader exited and left children,
//     the docker container's command ended); KILL and STOP are refused,
//     since no process can act on them (--grace 0 kills at once).
//   - When the command died of SIGINT, or corral received SIGINT, corral
//     dies of SIGINT itself once the terminal is back, as shells expect of
//     their children: `for i in 1 2 3; do corral run -- sleep 10; done`
//     stops at one Ctrl-C. An exit status of 130 is not an interrupt and is
//     passed on as it is. SIGQUIT is not re-raised (the Go runtime's own
//     disposition for it dumps goroutines): corral exits 131.
//   - When corral has a controlling terminal (stdin, or else the one
//     /dev/tty opens, so that `corral run -- cmd </dev/null` is no
//     different) and corral is in its foreground process group, the
//     command's group is made the foreground group while it runs: Ctrl-C then goes to the command, not
//     to corral, and the command's own exit status (130 for death by
//     SIGINT) is corral's. corral started in the background (`corral run
//     … &`) never takes the terminal from the shell.
//   - Job control (Linux), whether corral starts in the foreground or
//     not: when the command stops (Ctrl-Z, or SIGTTIN from the
//     background), corral stops itself with SIGTSTP, so the shell sees its
//     job stopped, taking the terminal back first only if it had handed it
//     to the command; when the shell continues corral (fg, bg), corral
//     continues the command, giving it the terminal if corral is in the
//     foreground. A SIGTSTP sent to corral alone stops corral alone. One
//     race remains: if fg comes while corral is deciding to stop along
//     with its background command, the shell may report the job stopped
//     once more, and a second fg continues it.
//   - SIGTTOU is ignored only while corral takes the terminal back, not
//     while the command starts: an ignored signal stays ignored across
//     exec(2), and the command must see the default disposition, as under
//     a shell.
//   - `corral run --backend docker --image REF` (or --backend auto with
//     --image and an engine) runs the command in a container of its own,
//     corral-run-<pid>-<random>: ephemeral, idling (the image's entrypoint
//     and command do not run), --dir bind-mounted at the same path and
//     used as the working directory, -p HOST:CONTAINER published on
//     127.0.0.1, -v HOST:CONTAINER bind-mounted, -e given to the command
//     only (never to the container's configuration). The command's stdout
//     is corral's stdout, its stderr corral's stderr line by line, corral's
//     stdin its stdin; it has no terminal (no TTY is allocated), so job
//     control does not apply. Signals and exit codes are as for a native
//     command; the container is removed when the command ends, also after
//     a signal. After kill -9 of corral the container and its processes
//     live on until the next corral command's sweep (or `corral reap`)
//     removes it: there is no guardian for containers. A missing image is
//     pulled, with a progress line on stderr when stderr is a terminal. A
//     bad --image, -p or -v exits 2; an engine that does not answer
//     `--backend docker` exits 1 with one line naming the endpoint and how
//     it was chosen.
//   - Every command that reaps first also sweeps corral's containers
//     (runners/docker.ReapStaleContainers), bounded by 3 s; without an
//     engine socket that costs microseconds. `corral reap` prints what it
//     removed; `corral ps` lists corral's containers after the trees;
//     `corral doctor` reports the engine, its endpoint and why it was
//     chosen, the server and the API versions, or how to fix it.
//   - With process-group containment on Linux, `corral run` is a child
//     subreaper: processes the command orphans (double fork) are
//     re-parented to corral, which reaps them. It reaps only its adopted
//     orphans, by PID, never the command's leader, which the library
//     waits for. Once the tree is done, every child still alive but the
//     guardian is such an orphan and is killed (pinned by a pidfd and
//     checked to be corral's child first): so is one that left the group
//     and cleared its environment (`setsid env -i daemon`), which the
//     tree's CORRAL_TREE mark cannot find.
package main
