package records

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
)

// TreeEnv is set in the environment of every process corral starts, to
// the tree's id. It is what proves, without a cgroup, that a process
// descends from one of our trees: no process we did not start carries it.
const TreeEnv = "CORRAL_TREE"

// treeSeq numbers the trees this process starts; with the owner's
// identity it makes every tree id unique on the machine.
var treeSeq atomic.Uint64

var treeIDPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// newTreeID names a new tree of owner with the next sequence number.
func newTreeID(owner Identity) string { return TreeID(owner, treeSeq.Add(1)) }

// TreeID names a tree after its owner and a sequence number: the owner's
// identity in the name lets the reaper check that a record and the cgroup
// it names agree. Records made by New and NewExternal get a fresh one.
func TreeID(owner Identity, seq uint64) string {
	return fmt.Sprintf("%d.%d.%d", owner.PID, owner.Start, seq)
}

// ValidTreeID reports whether id has the shape of a tree id.
func ValidTreeID(id string) bool { return treeIDPattern.MatchString(id) }

// OwnerOfTree parses the owner identity a tree id starts with.
func OwnerOfTree(id string) (Identity, bool) {
	if !treeIDPattern.MatchString(id) {
		return Identity{}, false
	}
	f := strings.Split(id, ".")
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return Identity{}, false
	}
	return Identity{PID: pid, Start: start}, true
}

// CgroupDirName is the directory, inside a writable cgroup, that holds
// corral's cgroups: one per corral home, and in it one per tree.
const CgroupDirName = "corral"

// HomeCgroupKey names the cgroup directory that holds the trees of one
// corral home, so that a reaper sweeps only its own home's cgroups.
func HomeCgroupKey(home string) string {
	sum := sha256.Sum256([]byte(home))
	return hex.EncodeToString(sum[:6])
}

var homeKeyPattern = regexp.MustCompile(`^[0-9a-f]{12}$`)

// IsHomeCgroupKey reports whether name has the shape of a HomeCgroupKey.
func IsHomeCgroupKey(name string) bool { return homeKeyPattern.MatchString(name) }

// CgroupPath is where the cgroup of a tree goes: under the writable
// corral cgroup directory where, in <home key>/<tree id>.
func CgroupPath(where, home, tree string) string {
	return filepath.Join(where, HomeCgroupKey(home), tree)
}
