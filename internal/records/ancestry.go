package records

import "strings"

// TreeAncestryEnv is set beside TreeEnv in the environment of a process
// corral starts from inside another tree (a corral run within a corral
// run): the ids of the enclosing trees, outermost first, separated by
// commas. os/exec keeps only the last CORRAL_TREE, so without it the
// processes of an inner tree would no longer show that they belong to
// the outer one too, and a stop of the outer tree by its marker could
// not reach them.
const TreeAncestryEnv = "CORRAL_TREE_ANCESTRY"

// ChildTreeEnv returns env, the environment of a process about to start
// as the leader of tree, with the tree's marker: CORRAL_TREE=tree, and,
// when env already held a CORRAL_TREE (the caller runs inside a tree),
// CORRAL_TREE_ANCESTRY extended with it. Earlier entries of both keys
// are dropped. env is not modified.
func ChildTreeEnv(env []string, tree string) []string {
	var parent, ancestry string
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, TreeEnv+"="):
			parent = strings.TrimPrefix(kv, TreeEnv+"=")
		case strings.HasPrefix(kv, TreeAncestryEnv+"="):
			ancestry = strings.TrimPrefix(kv, TreeAncestryEnv+"=")
		default:
			out = append(out, kv)
		}
	}
	if ValidTreeID(parent) {
		if ancestry != "" {
			ancestry += ","
		}
		ancestry += parent
	}
	if ancestry != "" {
		out = append(out, TreeAncestryEnv+"="+ancestry)
	}
	return append(out, TreeEnv+"="+tree)
}

// InTree reports whether an environment's CORRAL_TREE and
// CORRAL_TREE_ANCESTRY values (either may be empty) make its process a
// member of tree id: its own tree, or one that encloses it.
func InTree(tree, ancestry, id string) bool {
	if id == "" {
		return false
	}
	if tree == id {
		return true
	}
	for a := range strings.SplitSeq(ancestry, ",") {
		if a == id {
			return true
		}
	}
	return false
}

// Trees returns every tree id an environment's CORRAL_TREE and
// CORRAL_TREE_ANCESTRY values make its process a member of.
func Trees(tree, ancestry string) []string {
	var ids []string
	if tree != "" {
		ids = append(ids, tree)
	}
	for a := range strings.SplitSeq(ancestry, ",") {
		if a != "" {
			ids = append(ids, a)
		}
	}
	return ids
}
