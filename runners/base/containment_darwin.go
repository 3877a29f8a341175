package base

// probeContainment: darwin has no cgroups; trees are process groups.
func probeContainment() Containment {
	return Containment{Kind: ContainmentPgroup, Reason: "darwin has no cgroups: descendants that leave the process group are not contained"}
}

// newTree returns the containment for tree id, not yet created.
func newTree(_ Containment, _, id string) tree { return newPgroupTree(id) }

// isTreeCgroup is false: no record naming a cgroup can come from darwin.
func isTreeCgroup(string, string) bool { return false }
