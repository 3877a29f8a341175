package base

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/corralrun/corral/internal/records"
)

func TestProbeCache(t *testing.T) {
	home := t.TempDir()
	t.Setenv(records.HomeEnv, home)
	path := filepath.Join(home, "probe.json")
	first := cachedProbe()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("no private cache after a probe: %v, %v", fi, err)
	}
	edit := func(f func(c *probeCache)) {
		b, _ := os.ReadFile(path)
		var c probeCache
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		f(&c)
		b, _ = json.Marshal(c)
		os.WriteFile(path, b, 0o600)
	}
	edit(func(c *probeCache) { c.Reason = "from the cache" })
	if got := cachedProbe(); got.Reason != "from the cache" || got.Where != first.Where {
		t.Fatalf("a valid cache was not used: %+v", got)
	}
	edit(func(c *probeCache) { c.Reason, c.Own = "from the cache", "/another/cgroup" })
	if got := cachedProbe(); got.Reason != first.Reason {
		t.Fatalf("a cache of another cgroup was used: %+v", got)
	}
	edit(func(c *probeCache) { c.Reason, c.Boot = "from the cache", "another-boot" })
	if got := cachedProbe(); got.Reason != first.Reason {
		t.Fatalf("a cache of another boot was used: %+v", got)
	}
	os.WriteFile(path, []byte("{garbage"), 0o600)
	if got := cachedProbe(); got.Reason != first.Reason {
		t.Fatalf("a corrupt cache gave %+v", got)
	}
	if _, err := os.Stat(path + ".setaside"); err != nil {
		t.Fatalf("corrupt cache not set aside: %v", err)
	}
}
