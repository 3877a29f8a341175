package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

// bind is one bind mount: a host path at a path inside the container.
type bind struct {
	Source, Target string
}

// portMap publishes a container's TCP port on a host port.
type portMap struct {
	Host, Container uint16
}

// containerConfig is everything that shapes the container. Two
// environments with equal configurations (equal hash) can share a
// container; any difference recreates it. Environment variables are not
// part of it: they are given to each exec, never to the container, so no
// value of theirs reaches a label or the container's configuration.
type containerConfig struct {
	Image         string    `json:"image"`
	ImageID       string    `json:"image_id"`
	Dir           string    `json:"dir,omitempty"`
	Mounts        []bind    `json:"mounts,omitempty"`
	Ports         []portMap `json:"ports,omitempty"`
	PublicPorts   bool      `json:"public_ports,omitempty"`
	User          string    `json:"user,omitempty"`
	EntrypointSet bool      `json:"entrypoint_set,omitempty"`
	Entrypoint    []string  `json:"entrypoint,omitempty"`
	WorkDir       string    `json:"workdir,omitempty"`
	Pause         bool      `json:"pause,omitempty"`
	Ephemeral     bool      `json:"ephemeral,omitempty"`
	// NeedsKeepAlive is set when the image has neither an entrypoint nor
	// a command and none was given: the container then idles.
	NeedsKeepAlive bool `json:"keepalive,omitempty"`
}

// hash is a digest of the whole configuration, hex.
func (c *containerConfig) hash() string {
	b, _ := json.Marshal(c) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// keepAlive idles until the container is stopped. It needs sh and sleep
// in the image (busybox, alpine, debian… all have them); the init process
// forwards SIGTERM to sh, whose trap ends it at once.
var keepAlive = []string{"/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"}

// workDir is where processes start unless they say otherwise.
func (c *containerConfig) workDir() string {
	if c.WorkDir != "" {
		return c.WorkDir
	}
	return c.Dir
}

// createOptions turns the configuration into the engine's terms.
func (c *containerConfig) createOptions(labels map[string]string) (*container.Config, *container.HostConfig, error) {
	init := true
	cfg := &container.Config{
		Image:      c.Image,
		Labels:     labels,
		User:       c.User,
		WorkingDir: c.workDir(),
	}
	switch {
	case c.Pause || c.NeedsKeepAlive:
		cfg.Entrypoint, cfg.Cmd = keepAlive, []string{}
	case c.EntrypointSet:
		// An empty entrypoint clears the image's; its command then runs.
		cfg.Entrypoint = append([]string{}, c.Entrypoint...)
	}
	host := &container.HostConfig{Init: &init}
	for _, b := range c.mounts() {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: b.Source, Target: b.Target})
	}
	if len(c.Ports) > 0 {
		ip := netip.MustParseAddr("127.0.0.1")
		if c.PublicPorts {
			ip = netip.MustParseAddr("0.0.0.0")
		}
		cfg.ExposedPorts = network.PortSet{}
		host.PortBindings = network.PortMap{}
		for _, p := range c.Ports {
			port, ok := network.PortFrom(p.Container, network.TCP)
			if !ok {
				return nil, nil, fmt.Errorf("docker: container port %d", p.Container)
			}
			cfg.ExposedPorts[port] = struct{}{}
			host.PortBindings[port] = append(host.PortBindings[port], network.PortBinding{HostIP: ip, HostPort: strconv.Itoa(int(p.Host))})
		}
	}
	return cfg, host, nil
}

// mounts is the bind of dir at the same path, then WithMount's.
func (c *containerConfig) mounts() []bind {
	var out []bind
	if c.Dir != "" {
		out = append(out, bind{Source: c.Dir, Target: c.Dir})
	}
	return append(out, c.Mounts...)
}
