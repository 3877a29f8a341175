package base

// newTree creates the containment for tree id under c.
func newTree(c Containment, id string) (tree, error) {
	if c.Kind == containCgroup {
		return newCgroupTree(c.Where, id)
	}
	return newPgroupTree(id), nil
}
