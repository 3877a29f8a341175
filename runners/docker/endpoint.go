package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// Endpoint is where the Docker engine is expected, and why there.
type Endpoint struct {
	// Host is the engine's address: unix:///path, tcp://host:port, …
	Host string
	// Source says how Host was chosen, for errors and `corral doctor`:
	// "DOCKER_HOST", `context "name" (DOCKER_CONTEXT)`, `context "name"
	// (current context in /root/.docker/config.json)` or "the default
	// socket".
	Source string
	// TLS names the directory holding ca.pem, cert.pem and key.pem when the
	// endpoint uses TLS; empty otherwise.
	TLSDir string
	// TLSVerify is true when the server's certificate is verified.
	TLSVerify bool
}

// maxConfigSize bounds what is read of the docker CLI's config and
// context files: they are small, and a huge one is not the CLI's.
const maxConfigSize = 1 << 20

// ResolveEndpoint finds the engine as the docker CLI does: DOCKER_HOST;
// else the context DOCKER_CONTEXT names; else the current context of the
// CLI's config (DOCKER_CONFIG, else ~/.docker, file config.json); else the
// default socket. The context "default" is the default socket. It reads
// files only; it never dials. An error names the variable or file at fault.
func ResolveEndpoint() (Endpoint, error) {
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		ep := Endpoint{Host: host, Source: "DOCKER_HOST"}
		if dir := os.Getenv("DOCKER_CERT_PATH"); dir != "" {
			ep.TLSDir, ep.TLSVerify = dir, os.Getenv("DOCKER_TLS_VERIFY") != ""
		}
		return ep, nil
	}
	cfgDir, err := configDir()
	if err != nil {
		return defaultEndpoint(), nil //nolint:nilerr // no home: the CLI falls back to the default socket too
	}
	name, source := os.Getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	if name == "" {
		cfg := filepath.Join(cfgDir, "config.json")
		name, err = currentContext(cfg)
		if err != nil {
			return Endpoint{}, err
		}
		source = "current context in " + cfg
	}
	if name == "" || name == "default" {
		return defaultEndpoint(), nil
	}
	return contextEndpoint(cfgDir, name, source)
}

func defaultEndpoint() Endpoint {
	return Endpoint{Host: client.DefaultDockerHost, Source: "the default socket"}
}

// configDir is the docker CLI's configuration directory.
func configDir() (string, error) {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".docker"), nil
}

// currentContext reads "currentContext" from the CLI's config file; a
// missing file means no context.
func currentContext(path string) (string, error) {
	b, err := readSmall(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("docker: read %s: %w", path, err)
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("docker: %s is not valid JSON (%w); fix or remove it", path, err)
	}
	return cfg.CurrentContext, nil
}

// contextEndpoint reads the context store's meta.json for name: the CLI
// keeps it under contexts/meta/<hex sha256 of the name>/.
func contextEndpoint(cfgDir, name, source string) (Endpoint, error) {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	meta := filepath.Join(cfgDir, "contexts", "meta", id, "meta.json")
	desc := fmt.Sprintf("context %q (%s)", name, source)
	b, err := readSmall(meta)
	if errors.Is(err, os.ErrNotExist) {
		return Endpoint{}, fmt.Errorf("docker: %s does not exist (no %s); run `docker context ls` or unset DOCKER_CONTEXT", desc, meta)
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("docker: %s: read %s: %w", desc, meta, err)
	}
	var m struct {
		Endpoints map[string]struct {
			Host          string `json:"Host"`
			SkipTLSVerify bool   `json:"SkipTLSVerify"`
		} `json:"Endpoints"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return Endpoint{}, fmt.Errorf("docker: %s: %s is not valid JSON: %w", desc, meta, err)
	}
	d, ok := m.Endpoints["docker"]
	if !ok || d.Host == "" {
		return Endpoint{}, fmt.Errorf("docker: %s has no docker endpoint in %s", desc, meta)
	}
	ep := Endpoint{Host: d.Host, Source: desc}
	tls := filepath.Join(cfgDir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(filepath.Join(tls, "cert.pem")); err == nil {
		ep.TLSDir, ep.TLSVerify = tls, !d.SkipTLSVerify
	}
	return ep, nil
}

// readSmall reads a config file of the docker CLI, following symlinks (a
// dotfile manager may link them) but refusing one larger than
// maxConfigSize.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigSize {
		return nil, fmt.Errorf("larger than %d bytes", maxConfigSize)
	}
	return b, nil
}

// unixSocketPath returns the socket path of a unix:// host, or "".
func unixSocketPath(host string) string {
	if p, ok := strings.CutPrefix(host, "unix://"); ok {
		return p
	}
	return ""
}
