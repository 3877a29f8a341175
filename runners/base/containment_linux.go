package base

// newTree returns the containment for tree id under c, not yet created.
func newTree(c Containment, id string) tree {
	if c.Kind == containCgroup {
		return newCgroupTree(c.Where, id)
	}
	return newPgroupTree(id)
}
