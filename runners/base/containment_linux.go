package base

// newTree returns the containment for tree id under c, for the corral
// home home, not yet created.
func newTree(c Containment, home, id string) tree {
	if c.Kind == containCgroup {
		return newCgroupTree(treeCgroupPath(c.Where, home, id))
	}
	return newPgroupTree(id)
}
