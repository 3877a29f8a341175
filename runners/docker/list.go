package docker

import (
	"context"
	"errors"
	"time"

	"github.com/corralrun/corral/internal/records"
)

// ContainerStatus is one container corral made, as `corral ps` shows it.
type ContainerStatus struct {
	ID, Name, Image string
	// State is the engine's: "running", "exited", "created", …
	State     string
	Created   time.Time
	Ephemeral bool
	// OwnerPID is the labelled owner's PID; OwnerAlive whether that very
	// process (PID and start time, this boot) still runs.
	OwnerPID   int
	OwnerAlive bool
}

// ListContainers lists the containers with corral's label, running or
// not. Without an engine socket it returns nil and no error; an engine
// that does not answer is an *EngineError.
func ListContainers(ctx context.Context) ([]ContainerStatus, error) {
	e, err := newEngine(ctx, false)
	var ee *EngineError
	if errors.As(err, &ee) && errors.Is(ee.Err, errNoSocket) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer e.close()
	if err := e.ping(ctx); err != nil {
		return nil, err
	}
	list, err := e.listOurs(ctx)
	if err != nil {
		return nil, err
	}
	boot, _ := records.BootID()
	out := make([]ContainerStatus, 0, len(list))
	for _, c := range list {
		lb, _ := parseLabels(c.Labels)
		out = append(out, ContainerStatus{
			ID: c.ID, Name: containerName(c.Names), Image: c.Image, State: string(c.State),
			Created: time.Unix(c.Created, 0), Ephemeral: lb.Ephemeral,
			OwnerPID: lb.Owner.PID, OwnerAlive: lb.OK && ownerAlive(lb.Owner, boot),
		})
	}
	return out, nil
}
