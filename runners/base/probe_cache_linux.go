package base

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/corralrun/corral/internal/atomicfile"
	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/records"
)

// The cgroup probe clones a test child into a test cgroup, which costs a
// fork and an exec (about a millisecond) at every corral start. Its answer
// depends only on the kernel's boot, the user and the cgroup the process
// runs in, so it is kept in $CORRAL_HOME/probe.json and trusted while
// those three match and the directory it found still accepts cgroups
// (has cgroup.kill). A cache that cannot be read or written costs only
// the probe; a corrupt one is set aside and the probe runs.

const probeCacheVersion = 1

type probeCache struct {
	Version int    `json:"version"`
	Boot    string `json:"boot"`
	UID     int    `json:"uid"`
	Own     string `json:"own"`   // the prober's cgroup, relative to the mount
	Where   string `json:"where"` // "" for no writable cgroup
	Reason  string `json:"reason"`
}

// cachedProbe returns the probe's answer, from the cache when it holds.
func cachedProbe() cgroup.ProbeResult {
	home, herr := records.Home()
	boot, berr := records.BootID()
	own, oerr := cgroup.Own("self")
	if herr != nil || berr != nil || oerr != nil {
		return cgroup.Probe(records.CgroupDirName)
	}
	key := probeCache{Version: probeCacheVersion, Boot: boot, UID: os.Getuid(), Own: own}
	path := filepath.Join(home, "probe.json")
	if c, ok := readProbeCache(path); ok && c.Boot == key.Boot && c.UID == key.UID && c.Own == key.Own && stillProbed(c.Where) {
		return cgroup.ProbeResult{Where: c.Where, Reason: c.Reason}
	}
	p := cgroup.Probe(records.CgroupDirName)
	key.Where, key.Reason = p.Where, p.Reason
	if b, err := json.Marshal(key); err == nil {
		if fi, err := os.Stat(home); err == nil && fi.IsDir() {
			atomicfile.WriteFile(home, "probe.json", b) // best effort: the next start probes again
		}
	}
	return p
}

// stillProbed reports whether a cached writable directory still is one
// (an empty where, no cgroup, needs no check).
func stillProbed(where string) bool {
	if where == "" {
		return true
	}
	if filepath.Base(where) != records.CgroupDirName || !filepath.IsAbs(where) {
		return false
	}
	_, err := os.Stat(filepath.Join(where, "cgroup.kill"))
	return err == nil && cgroup.IsCgroup2Dir(where)
}

func readProbeCache(path string) (probeCache, bool) {
	b, err := atomicfile.ReadNoFollow(path, 4096)
	if err != nil {
		return probeCache{}, false
	}
	var c probeCache
	if err := json.Unmarshal(b, &c); err != nil || c.Version != probeCacheVersion || c.Boot == "" {
		slog.Default().Warn("corral: probe cache unreadable; set aside", "file", path)
		os.Rename(path, path+".setaside")
		return probeCache{}, false
	}
	return c, true
}
