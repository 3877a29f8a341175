// Package nixshell is everything corral needs to know about talking to
// nix, apart from supervising processes: finding nix and its version,
// checking that flakes are enabled, the argv of `nix develop` for wrapped
// mode, and materialising a flake's dev shell (`nix print-dev-env --json`)
// into the variables a process needs, with a cache that lets a later run
// skip nix entirely.
//
// # Materialising
//
// Materialize runs `nix print-dev-env --json path:<abs dir>` once (the
// path: form, so a dirty or untracked git tree works) and keeps the
// shell's exported scalar variables. It drops what only makes sense
// inside a build (TMPDIR, TMP, TEMP, TEMPDIR, PWD, OLDPWD, NIX_BUILD_TOP,
// NIX_LOG_FD, NIX_BUILD_CORES, out, outputs, src, name, HOME, TERM and
// the shell's own bookkeeping; see buildOnly) and arrays and bash
// functions, which an environment cannot carry. Overlay then lays the
// result over a host environment as `nix develop` does: the host's HOME,
// TMPDIR, TERM and USER stay, and PATH is the shell's PATH followed by the
// host's.
//
// A flake that fails to evaluate or build is an error carrying nix's own
// text (its stderr, trimmed), never a silent fallback.
//
// # The cache
//
// With a cache directory (0700), each flake directory has one entry file
// (0600, written atomically by internal/atomicfile), named after the hash
// of the directory. The entry holds a key: a hash of flake.nix, flake.lock
// (absent counts as empty) and the identity of the nix binary (its
// resolved path, size and modification time, which change with its
// version; the version string itself is learned on a miss and stored for
// display). A lookup whose key matches, whose GC root still points to the
// recorded store path and whose store path exists is a hit, and runs no
// nix at all. Anything else is a miss: the entry is rebuilt under a lock
// (atomicfile.Lock on <entry>.lock), so concurrent processes materialise
// one flake once and never see a torn file. An entry that does not parse,
// is truncated, too large, a symlink or of another schema is moved to
// .setaside in the cache directory with a warning, and rebuilt.
//
// # GC roots
//
// Materialize passes --profile, so the shell's store paths are protected
// from `nix-collect-garbage` while the entry is in use: <entry>.profile in
// the cache directory, or, without a cache directory, a profile in a
// temporary directory (a TempDir) that Release removes, or, if its owner
// dies first, a later process's sweep. Older generations of a cached
// profile are removed once a new one exists.
//
// # Temporary directories
//
// Every nix run gets a TMPDIR of our own (TempDir), removed afterwards,
// so the empty nix-shell.* directories nix leaves behind do not pile up
// in the user's temporary directory. The directory's name holds its
// owner's identity (PID namespace, PID, start time): a process's first
// TempDir removes those whose owner of the same PID namespace is gone,
// left by an owner killed in the middle of a run.
package nixshell
