package nixshell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/corralrun/corral/internal/atomicfile"
)

// Schema names the format of a cache entry; an entry of another schema
// is set aside and rebuilt.
const Schema = "corral.nix-shell.v1"

// maxEntry bounds what is read of an entry: a dev shell's variables are
// kilobytes; anything near this is not ours.
const maxEntry = 8 << 20

// Options says what Load materialises and where it caches.
type Options struct {
	// Dir is the flake's directory, absolute.
	Dir string
	// CacheDir holds the entries; "" caches nothing and makes a
	// temporary GC root that Result.Release removes.
	CacheDir string
	// Logger receives warnings (an entry set aside) and debug lines
	// (hit or miss); nil means slog.Default().
	Logger *slog.Logger
}

// Result is a materialised shell, from the cache or from nix.
type Result struct {
	// Vars are the shell's variables (see ParseDevEnv); the caller owns
	// the map.
	Vars map[string]string
	// Hit is true when nix was not run.
	Hit bool
	// Version is the nix version that materialised the shell.
	Version string
	// StorePath is the shell's store path, kept alive by the GC root.
	StorePath string

	releaseOnce sync.Once
	release     func() error
}

// Release removes a temporary GC root (none exists with a cache
// directory). It is safe to call more than once, from many goroutines.
func (r *Result) Release() error {
	if r == nil {
		return nil
	}
	var err error
	r.releaseOnce.Do(func() {
		if r.release != nil {
			err = r.release()
		}
	})
	return err
}

// entry is the file the cache keeps for one flake directory.
type entry struct {
	Schema     string            `json:"schema"`
	Key        string            `json:"key"`
	Flake      string            `json:"flake"`
	NixVersion string            `json:"nix_version"`
	StorePath  string            `json:"store_path"`
	Created    time.Time         `json:"created"`
	Vars       map[string]string `json:"vars"`
}

// Load returns the dev shell of the flake in opts.Dir: from the cache
// when its entry is valid, its key matches and its GC root still names an
// existing store path (no nix is run then), else from nix, storing the
// result. Concurrent Loads of one flake, in any number of processes,
// materialise it once and never read a torn entry. Without a cache
// directory every Load runs nix.
func (t *Tool) Load(ctx context.Context, opts Options) (*Result, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if opts.CacheDir == "" {
		return t.loadUncached(ctx, opts.Dir)
	}
	c, err := t.openCache(opts.CacheDir, opts.Dir)
	if err != nil {
		return nil, err
	}
	if r, ok := c.lookup(logger); ok {
		return r, nil
	}
	unlock, err := atomicfile.Lock(ctx, c.path(".lock"))
	if err != nil {
		return nil, fmt.Errorf("nix cache lock: %w", err)
	}
	defer unlock()
	if r, ok := c.lookup(logger); ok { // another process rebuilt it while we waited
		return r, nil
	}
	return t.rebuild(ctx, c, logger)
}

func (t *Tool) loadUncached(ctx context.Context, dir string) (*Result, error) {
	// A TempDir, so that the root of an owner killed before Release is
	// removed by a later process's sweep instead of pinning the shell.
	tmp, err := TempDir()
	if err != nil {
		return nil, fmt.Errorf("nix GC root: %w", err)
	}
	release := func() error { return os.RemoveAll(tmp) }
	version, err := t.Version(ctx)
	if err != nil {
		release()
		return nil, err
	}
	sh, err := t.Materialize(ctx, dir, filepath.Join(tmp, "shell"))
	if err != nil {
		release()
		return nil, err
	}
	return &Result{Vars: sh.Vars, Version: version, StorePath: sh.StorePath, release: release}, nil
}

// cache is one flake's entry in a cache directory.
type cache struct {
	dir   string // the cache directory
	name  string // the entry's base name, from the flake directory
	flake string
	key   string
}

func (t *Tool) openCache(cacheDir, flake string) (*cache, error) {
	abs, err := filepath.Abs(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("nix cache %s: %w", cacheDir, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("nix cache %s: %w", abs, err)
	}
	if err := atomicfile.EnsurePrivateDir(abs, "nix cache directory", "choose another cache directory"); err != nil {
		return nil, err
	}
	key, err := t.Key(flake)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(flake))
	return &cache{dir: abs, name: hex.EncodeToString(sum[:16]), flake: flake, key: key}, nil
}

// path is the entry's file with suffix: ".json", ".lock", ".profile".
func (c *cache) path(suffix string) string { return filepath.Join(c.dir, c.name+suffix) }

// Key is the cache key of the flake in dir with this nix: a hash of
// flake.nix, flake.lock and the binary's identity. It runs no nix.
func (t *Tool) Key(dir string) (string, error) {
	id, err := t.Identity()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", Schema, dir, id)
	for _, name := range []string{"flake.nix", "flake.lock"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !(name == "flake.lock" && errors.Is(err, fs.ErrNotExist)) {
			return "", fmt.Errorf("nix cache key: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lookup returns the entry when it is a hit. A damaged entry is set
// aside with a warning; a stale one (another key, a GC root gone) is
// simply a miss, overwritten by the rebuild.
func (c *cache) lookup(logger *slog.Logger) (*Result, bool) {
	b, err := atomicfile.ReadNoFollow(c.path(".json"), maxEntry)
	if errors.Is(err, fs.ErrNotExist) {
		logger.Debug("corral: nix cache miss", "reason", "no entry", "flake", c.flake)
		return nil, false
	}
	var e *entry
	if err == nil {
		e, err = c.decode(b)
	}
	if err != nil {
		c.setAside(logger, err)
		return nil, false
	}
	if reason := c.stale(e); reason != "" {
		logger.Debug("corral: nix cache miss", "reason", reason, "flake", c.flake)
		return nil, false
	}
	logger.Debug("corral: nix cache hit", "flake", c.flake)
	return &Result{Vars: e.Vars, Hit: true, Version: e.NixVersion, StorePath: e.StorePath}, true
}

// decode checks every field a hit relies on.
func (c *cache) decode(b []byte) (*entry, error) {
	if len(b) > maxEntry {
		return nil, fmt.Errorf("larger than %d bytes", maxEntry)
	}
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("does not parse: %w", err)
	}
	switch {
	case e.Schema != Schema:
		return nil, fmt.Errorf("schema %q, want %q", e.Schema, Schema)
	case len(e.Key) != 64:
		return nil, fmt.Errorf("malformed key")
	case e.Flake != c.flake:
		return nil, fmt.Errorf("names flake %q, not %q", e.Flake, c.flake)
	case !strings.HasPrefix(e.StorePath, "/"):
		return nil, fmt.Errorf("malformed store path")
	case e.Vars == nil:
		return nil, fmt.Errorf("no variables")
	}
	for k, v := range e.Vars {
		if !validKey(k) || strings.IndexByte(v, 0) >= 0 {
			return nil, fmt.Errorf("malformed variable %q", k)
		}
	}
	return &e, nil
}

// stale says why a well-formed entry is not a hit, or "".
func (c *cache) stale(e *entry) string {
	if e.Key != c.key {
		return "flake or nix changed"
	}
	target, err := filepath.EvalSymlinks(c.path(".profile"))
	if err != nil {
		return "GC root gone"
	}
	if target != e.StorePath {
		return "GC root names another store path"
	}
	return ""
}

func (c *cache) setAside(logger *slog.Logger, why error) {
	aside := filepath.Join(c.dir, ".setaside")
	dst := filepath.Join(aside, c.name+".json."+strconv.FormatInt(time.Now().UnixNano(), 10))
	err := atomicfile.EnsurePrivateDir(aside, "nix cache set-aside directory", "remove it")
	if err == nil {
		err = os.Rename(c.path(".json"), dst)
	}
	if err != nil {
		logger.Warn("corral: nix cache entry unusable, and could not be set aside; rebuilding it", "file", c.path(".json"), "why", why, "err", err)
		os.Remove(c.path(".json"))
		return
	}
	logger.Warn("corral: nix cache entry unusable; set aside and rebuilt", "file", c.path(".json"), "why", why, "moved_to", dst)
}

// rebuild materialises the shell with the cache's profile as GC root and
// stores the entry. The caller holds the entry's lock.
func (t *Tool) rebuild(ctx context.Context, c *cache, logger *slog.Logger) (*Result, error) {
	version, err := t.Version(ctx)
	if err != nil {
		return nil, err
	}
	profile := c.path(".profile")
	sh, err := t.Materialize(ctx, c.flake, profile)
	if err != nil {
		return nil, err
	}
	if sh.StorePath == "" {
		if sh.StorePath, err = filepath.EvalSymlinks(profile); err != nil {
			return nil, fmt.Errorf("nix print-dev-env: no GC root made at %s: %w", profile, err)
		}
	}
	pruneGenerations(profile)
	e := entry{Schema: Schema, Key: c.key, Flake: c.flake, NixVersion: version, StorePath: sh.StorePath, Created: time.Now().UTC(), Vars: sh.Vars}
	b, err := json.Marshal(&e)
	if err != nil {
		return nil, fmt.Errorf("nix cache entry: %w", err)
	}
	if err := atomicfile.WriteFile(c.dir, c.name+".json", b); err != nil {
		return nil, fmt.Errorf("nix cache: %w", err)
	}
	logger.Debug("corral: nix shell materialised and cached", "flake", c.flake, "vars", len(sh.Vars))
	vars := make(map[string]string, len(sh.Vars))
	for k, v := range sh.Vars {
		vars[k] = v
	}
	return &Result{Vars: vars, Version: version, StorePath: sh.StorePath}, nil
}

// pruneGenerations removes the profile's generation links other than the
// current one, so an old shell is no longer a GC root.
func pruneGenerations(profile string) {
	current, err := os.Readlink(profile)
	if err != nil {
		return
	}
	links, _ := filepath.Glob(profile + "-*-link")
	for _, l := range links {
		if filepath.Base(l) != filepath.Base(current) {
			os.Remove(l)
		}
	}
}
