package docker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/resources"
)

// PullProgress is one step of an image pull, as the engine reports it.
// The figures cover the layers the engine has announced so far; a layer
// the engine reports without sizes counts in Layers only.
type PullProgress struct {
	// Ref is the reference being pulled.
	Ref string
	// Layers is the number of layers announced; Done of them are
	// downloaded (or were present already).
	Layers, Done int
	// Current and Total are bytes downloaded and to download.
	Current, Total int64
	// Status is the engine's last status line ("Downloading", "Pull
	// complete", "Digest: sha256:…").
	Status string
}

// ImageError is a pull that failed; it names the reference.
type ImageError struct {
	Ref string
	Err error
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("docker: image %q is not present and could not be pulled: %v; check the reference, the registry's reachability and `docker login`", e.Ref, e.Err)
}

func (e *ImageError) Unwrap() error { return e.Err }

// ensureImage uses the image if the engine has it and pulls it otherwise,
// reporting progress to the logger (Info at start and end, Debug per
// layer change) and to progress when it is not nil. It returns what the
// engine says of the image.
func (e *engine) ensureImage(ctx context.Context, img *resources.DockerImage, logger *slog.Logger, progress func(PullProgress)) (image.InspectResponse, error) {
	ref := img.FullName()
	inspect, err := e.api.ImageInspect(ctx, ref)
	if err == nil {
		return inspect.InspectResponse, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return image.InspectResponse{}, e.apiError("inspect image "+ref, err)
	}
	if err := e.pull(ctx, ref, logger, progress); err != nil {
		return image.InspectResponse{}, err
	}
	inspect, err = e.api.ImageInspect(ctx, ref)
	if err != nil {
		return image.InspectResponse{}, &ImageError{Ref: ref, Err: fmt.Errorf("pulled, but the engine does not find it: %w", err)}
	}
	return inspect.InspectResponse, nil
}

func (e *engine) pull(ctx context.Context, ref string, logger *slog.Logger, progress func(PullProgress)) error {
	started := time.Now()
	logger.Info("docker: pulling image", "image", ref, "endpoint", e.endpoint.Host)
	resp, err := e.api.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &ImageError{Ref: ref, Err: err}
	}
	defer resp.Close()
	st := pullState{p: PullProgress{Ref: ref}, layers: map[string]*layerState{}}
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &ImageError{Ref: ref, Err: err}
		}
		if msg.Error != nil {
			return &ImageError{Ref: ref, Err: msg.Error}
		}
		var cur, total int64
		if msg.Progress != nil {
			cur, total = msg.Progress.Current, msg.Progress.Total
		}
		if st.update(msg.ID, msg.Status, cur, total) {
			logger.Debug("docker: pull", "image", ref, "layer", msg.ID, "status", msg.Status)
		}
		if progress != nil {
			progress(st.p)
		}
	}
	logger.Info("docker: pulled image", "image", ref, "layers", st.p.Layers, "elapsed", time.Since(started).Round(time.Millisecond))
	return nil
}

type layerState struct {
	status         string
	current, total int64
	done           bool
}

// pullState folds the engine's per-layer messages into one PullProgress.
type pullState struct {
	p      PullProgress
	layers map[string]*layerState
}

// update records one message and reports whether its layer's status
// changed (what is worth a log line).
func (s *pullState) update(id, status string, current, total int64) bool {
	s.p.Status = status
	if id == "" {
		return false
	}
	l, ok := s.layers[id]
	if !ok {
		if !isLayerStatus(status) {
			return false
		}
		l = &layerState{}
		s.layers[id] = l
	}
	changed := l.status != status
	l.status = status
	switch status {
	case "Pull complete", "Already exists", "Download complete":
		// Podman's last word on a layer is "Download complete";
		// dockerd goes on to extract it and say "Pull complete".
		l.done = true
		if l.total > 0 {
			l.current = l.total
		}
	case "Downloading":
		l.current, l.total = current, total
	}
	s.p.Layers, s.p.Done, s.p.Current, s.p.Total = len(s.layers), 0, 0, 0
	for _, l := range s.layers {
		if l.done {
			s.p.Done++
		}
		s.p.Current += l.current
		s.p.Total += l.total
	}
	return changed
}

// isLayerStatus tells a layer's status from a message about the pull as a
// whole ("Pulling from library/busybox" carries the tag as its ID).
func isLayerStatus(status string) bool {
	switch status {
	case "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum",
		"Download complete", "Extracting", "Pull complete", "Already exists":
		return true
	}
	return false
}

// apiError wraps an API error; a connection failure becomes an
// *EngineError, which names the endpoint.
func (e *engine) apiError(what string, err error) error {
	if client.IsErrConnectionFailed(err) {
		return &EngineError{Endpoint: e.endpoint, Err: err}
	}
	return fmt.Errorf("docker: %s: %w", what, err)
}
