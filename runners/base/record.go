package base

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// recordVersion is the format version written into every record.
const recordVersion = 1

// maxRecordSize bounds what the reaper reads: anything larger is not one
// of ours and is set aside unread.
const maxRecordSize = 64 << 10

// Containment kinds, as written into records and shown by doctor and ps.
const (
	containCgroup = "cgroup"
	containPgroup = "pgroup"
)

// treeEnv is set in the environment of every process corral starts, to the
// tree's id. It is what proves, without a cgroup, that a process descends
// from one of our trees: no process we did not start carries it.
const treeEnv = "CORRAL_TREE"

// record is the durable description of one supervised tree, written
// before its program runs and removed once the tree is gone. It never
// holds the program's arguments or environment.
type record struct {
	Version int `json:"version"`
	// Tree is the tree's id, also the value of CORRAL_TREE in its
	// processes and the name of its cgroup.
	Tree string `json:"tree"`
	// Containment is containCgroup or containPgroup.
	Containment string `json:"containment"`
	// Cgroup is the absolute path of the tree's cgroup directory.
	Cgroup string `json:"cgroup,omitempty"`
	// Leader is the first process of a WritePgidFile group, its proof;
	// zero for a tree corral started, whose record is written before the
	// leader exists.
	Leader procIdentity `json:"leader"`
	// Owner is the supervisor that started the tree.
	Owner procIdentity `json:"owner"`
	// OwnerNS is the owner's PID namespace: its PID is meaningful only
	// there.
	OwnerNS uint64 `json:"owner_ns,omitempty"`
	Boot    string `json:"boot"`
	UID     int    `json:"uid"`
	// Name is the base name of the executable.
	Name string `json:"name"`
	// External marks a record written by WritePgidFile for a group the
	// caller spawned: there is no CORRAL_TREE to check, only the leader's
	// identity.
	External bool          `json:"external,omitempty"`
	Grace    time.Duration `json:"grace"`
	Created  time.Time     `json:"created"`
}

var treeIDPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// newTreeID names a tree after its owner and a sequence number: the
// owner's identity in the name lets the reaper check that a record and the
// cgroup it names agree.
func newTreeID(owner procIdentity, seq uint64) string {
	return fmt.Sprintf("%d.%d.%d", owner.PID, owner.Start, seq)
}

// fileName is the record's file name in the runs directory: the tree id
// for a tree corral started ("cg-" or "pg-" by containment), written before
// its leader exists; the leader's PID for a WritePgidFile record.
func (r *record) fileName() string {
	switch {
	case r.Containment == containCgroup:
		return "cg-" + r.Tree + ".json"
	case r.External:
		return strconv.Itoa(r.Leader.PID) + ".json"
	}
	return "pg-" + r.Tree + ".json"
}

var errBadRecord = errors.New("malformed record")

// decodeRecord parses and checks a record. Every field the reaper acts on
// is validated here, so a record that decodes can be trusted as far as its
// own consistency goes.
func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRecord, err)
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *record) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", errBadRecord, what) }
	switch {
	case r.Version != recordVersion:
		return bad("unknown version " + strconv.Itoa(r.Version))
	case !treeIDPattern.MatchString(r.Tree):
		return bad("bad tree id")
	case r.Owner.PID <= 0 || r.Owner.Start == 0:
		return bad("no owner identity")
	case r.OwnerNS == 0 && pidNamespace() != 0:
		return bad("no owner PID namespace")
	case r.Boot == "":
		return bad("no boot id")
	case r.Grace < 0:
		return bad("negative grace period")
	case strings.ContainsAny(r.Name, "/\x00"):
		return bad("name is not a base name")
	case !strings.HasPrefix(r.Tree, fmt.Sprintf("%d.%d.", r.Owner.PID, r.Owner.Start)):
		// A tree's id names its owner: a record cannot claim another
		// owner's tree, live or not.
		return bad("tree does not belong to the record's owner")
	}
	switch r.Containment {
	case containCgroup:
		return r.validateCgroup()
	case containPgroup:
		if r.External && (r.Leader.PID <= 1 || r.Leader.Start == 0) {
			return bad("no leader identity")
		}
		return nil
	}
	return bad("unknown containment " + strconv.Quote(r.Containment))
}

// homeCgroupKey names the cgroup directory that holds the trees of one
// corral home, so that a reaper sweeps only its own home's cgroups.
func homeCgroupKey(home string) string {
	sum := sha256.Sum256([]byte(home))
	return hex.EncodeToString(sum[:6])
}

var homeKeyPattern = regexp.MustCompile(`^[0-9a-f]{12}$`)

// treeCgroupPath is where the cgroup of a tree goes: under the writable
// cgroup where, in corral/<home key>/<tree id>.
func treeCgroupPath(where, home, tree string) string {
	return filepath.Join(where, homeCgroupKey(home), tree)
}

// validateCgroup accepts only a cgroup path of the shape corral creates:
// clean, absolute, .../corral/<home key>/<tree id>, and owned (by its
// name) by the record's owner.
func (r *record) validateCgroup() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", errBadRecord, what) }
	p := r.Cgroup
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return bad("cgroup path is not clean and absolute")
	}
	home := filepath.Dir(p)
	if filepath.Base(p) != r.Tree || !homeKeyPattern.MatchString(filepath.Base(home)) || filepath.Base(filepath.Dir(home)) != cgroupDirName {
		return bad("cgroup path is not a corral tree cgroup")
	}
	return nil
}

func (r *record) encode() ([]byte, error) { return json.Marshal(r) }
