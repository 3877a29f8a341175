package companion

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// The settings below exist for containers. On Native and Nix a setting
// that already holds on the host (a mount of a path onto itself, a port
// mapped to itself, corral's own user) takes effect as it is; any other is
// recorded and fails Init and NewProcess with an error naming it: a
// process that expects a file at the target, a client of the mapped port
// or a file owned by the user would otherwise fail later, far from the
// cause, and a logged warning is easily unseen.

func (c *companion) WithMount(source, target string) {
	if c.dockerEnv != nil {
		c.dockerEnv.WithMount(source, target)
		return
	}
	abs, err := filepath.Abs(source)
	if err == nil && abs == filepath.Clean(target) {
		return
	}
	c.cannot("mount %s at %s: processes see the host's files, where %s is not %s; mount only onto the same path, or use the docker backend",
		source, target, target, source)
}

func (c *companion) WithPortMapping(ctx context.Context, hostPort, containerPort uint16) {
	if c.dockerEnv != nil {
		c.dockerEnv.WithPortMapping(ctx, hostPort, containerPort)
		return
	}
	if hostPort == containerPort && hostPort != 0 {
		return
	}
	c.cannot("port mapping %d:%d: processes bind host ports themselves, so port %d cannot appear as %d; map a port to itself, or use the docker backend",
		hostPort, containerPort, containerPort, hostPort)
}

func (c *companion) WithUser(name string) {
	if c.dockerEnv != nil {
		c.dockerEnv.WithUser(name)
		return
	}
	if isSelf(name) {
		return
	}
	c.cannot("user %q: processes run as corral's own user (uid %d); name that user, or use the docker backend", name, os.Getuid())
}

func (c *companion) WithEntrypoint(cmd ...string) {
	if c.dockerEnv != nil {
		c.dockerEnv.WithEntrypoint(cmd...)
		return
	}
	c.log.Info("corral: companion: no image, so no entrypoint to replace: WithEntrypoint has no effect", "backend", c.choice.Backend, "args", len(cmd))
}

func (c *companion) WithPause() {
	if c.dockerEnv != nil {
		c.dockerEnv.WithPause()
		return
	}
	c.log.Info("corral: companion: no container to keep alive: WithPause has no effect", "backend", c.choice.Backend)
}

// cannot records a setting that cannot take effect on this backend.
func (c *companion) cannot(format string, args ...any) {
	err := fmt.Errorf("companion (%s): "+format, append([]any{c.choice.Backend}, args...)...)
	c.mu.Lock()
	c.pending = append(c.pending, err)
	c.mu.Unlock()
}

// isSelf reports whether spec ("UID[:GID]" or "NAME[:GROUP]") names the
// user and group this process runs as.
func isSelf(spec string) bool {
	u, g, hasGroup := strings.Cut(spec, ":")
	if !sameID(u, os.Getuid(), lookupUser) {
		return false
	}
	return !hasGroup || sameID(g, os.Getgid(), lookupGroup)
}

// sameID reports whether s, a number or a name, is id.
func sameID(s string, id int, lookup func(string) (string, error)) bool {
	if n, err := strconv.Atoi(s); err == nil {
		return n == id
	}
	got, err := lookup(s)
	return err == nil && got == strconv.Itoa(id)
}

func lookupUser(name string) (string, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return "", err
	}
	return u.Uid, nil
}

func lookupGroup(name string) (string, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return "", err
	}
	return g.Gid, nil
}
