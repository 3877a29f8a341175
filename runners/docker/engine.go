package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"
)

// pingTimeout bounds how long an engine may take to answer its first ping
// before it is reported as not answering.
const pingTimeout = 2 * time.Second

// runningTimeout bounds EngineRunning.
const runningTimeout = 1500 * time.Millisecond

// ErrEngineUnavailable is wrapped by every error that means no engine
// answers at the endpoint; check it with errors.Is.
var ErrEngineUnavailable = errors.New("docker: engine unavailable")

// EngineError is the error of an engine that cannot be reached: it names
// the endpoint, how the endpoint was chosen, and what to try.
type EngineError struct {
	Endpoint Endpoint
	Err      error
}

func (e *EngineError) Error() string {
	return fmt.Sprintf("docker: no engine answers at %s (%s): %v; %s",
		e.Endpoint.Host, e.Endpoint.Source, e.Err, e.hint())
}

func (e *EngineError) hint() string {
	switch e.Endpoint.Source {
	case "DOCKER_HOST":
		return "start the engine there, or unset DOCKER_HOST to use the current docker context"
	case "the default socket":
		return "start dockerd (or Docker Desktop, or `podman system service`), or point DOCKER_HOST at a running engine"
	}
	return "start that engine, or choose another with `docker context use` or DOCKER_HOST"
}

// Unwrap gives both ErrEngineUnavailable and the cause.
func (e *EngineError) Unwrap() []error { return []error{ErrEngineUnavailable, e.Err} }

// engine is one connection to a Docker-compatible engine, the API
// version negotiated on the first ping.
type engine struct {
	api      *client.Client
	endpoint Endpoint
}

// errNoSocket is the cause when a unix endpoint's socket does not exist:
// found without dialling, so that the sweep every corral command runs
// costs next to nothing on a machine without Docker.
var errNoSocket = errors.New("socket does not exist")

// newEngine resolves the endpoint and makes a client for it. It does not
// dial unless ping is set; then an engine that does not answer within
// pingTimeout (or ctx) is an *EngineError.
func newEngine(ctx context.Context, ping bool) (*engine, error) {
	ep, err := ResolveEndpoint()
	if err != nil {
		return nil, err
	}
	return connect(ctx, ep, ping)
}

func connect(ctx context.Context, ep Endpoint, ping bool) (*engine, error) {
	if p := unixSocketPath(ep.Host); p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, &EngineError{Endpoint: ep, Err: errNoSocket}
		}
	}
	opts := []client.Opt{client.WithHost(ep.Host), client.WithUserAgent("corral")}
	if ep.TLSDir != "" {
		ca := ""
		if ep.TLSVerify {
			ca = filepath.Join(ep.TLSDir, "ca.pem")
		}
		opts = append(opts, client.WithTLSClientConfig(ca, filepath.Join(ep.TLSDir, "cert.pem"), filepath.Join(ep.TLSDir, "key.pem")))
	}
	api, err := client.New(opts...)
	if err != nil {
		return nil, &EngineError{Endpoint: ep, Err: err}
	}
	e := &engine{api: api, endpoint: ep}
	if ping {
		if err := e.ping(ctx); err != nil {
			api.Close()
			return nil, err
		}
	}
	return e, nil
}

// ping negotiates the API version, bounded by pingTimeout.
func (e *engine) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := e.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return &EngineError{Endpoint: e.endpoint, Err: err}
	}
	return nil
}

func (e *engine) close() error { return e.api.Close() }

// EngineRunning reports whether a Docker-compatible engine answers at the
// endpoint ResolveEndpoint finds, within about 1.5 s (or ctx, if sooner).
// A unix socket that does not exist answers false without dialling.
func EngineRunning(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, runningTimeout)
	defer cancel()
	e, err := newEngine(ctx, true)
	if err != nil {
		return false
	}
	e.close()
	return true
}

// EngineInfo is what `corral doctor` reports of the engine.
type EngineInfo struct {
	Endpoint Endpoint
	// Server is the engine's product and version, e.g. "Docker Engine
	// 20.10.24" or "Podman Engine 4.3.1".
	Server string
	// ServerAPI is the newest API version the engine speaks; API is the
	// version negotiated with it.
	ServerAPI, API string
}

// Engine resolves the endpoint, connects and describes the engine. An
// engine that does not answer is an *EngineError.
func Engine(ctx context.Context) (*EngineInfo, error) {
	e, err := newEngine(ctx, true)
	if err != nil {
		return nil, err
	}
	defer e.close()
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	v, err := e.api.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return nil, &EngineError{Endpoint: e.endpoint, Err: err}
	}
	info := &EngineInfo{Endpoint: e.endpoint, Server: "Engine " + v.Version, ServerAPI: v.APIVersion, API: e.api.ClientVersion()}
	for _, c := range v.Components {
		if c.Name == "Engine" {
			info.Server = "Docker Engine " + c.Version
			break
		}
		if c.Name != "" {
			info.Server = c.Name + " " + c.Version
			break
		}
	}
	return info, nil
}
