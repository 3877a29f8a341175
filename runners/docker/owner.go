package docker

import (
	"fmt"

	"github.com/corralrun/corral/internal/records"
)

// selfOwner is the identity written into the labels of the containers
// this process makes.
func selfOwner() (owner, error) {
	id, err := records.Self()
	if err != nil {
		return owner{}, fmt.Errorf("docker: own identity: %w", err)
	}
	boot, err := records.BootID()
	if err != nil {
		return owner{}, fmt.Errorf("docker: boot id: %w", err)
	}
	return owner{PID: id.PID, Start: id.Start, Boot: boot}, nil
}

// ownerAlive reports whether the labelled owner still runs: the same boot,
// and a process with that PID and that start time (a recycled PID has
// another start time).
func ownerAlive(o owner, boot string) bool {
	if o.Boot != boot {
		return false
	}
	return records.Identity{PID: o.PID, Start: o.Start}.Alive()
}
