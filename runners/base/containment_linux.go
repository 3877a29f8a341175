package base

import "github.com/corralrun/corral/internal/records"

// newTree returns the containment for tree id under c, for the corral
// home home, not yet created.
func newTree(c Containment, home, id string) tree {
	if c.Kind == ContainmentCgroup {
		return newCgroupTree(records.CgroupPath(c.Where, home, id))
	}
	return newPgroupTree(id)
}
