package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Version is the format version written into every record.
const Version = 1

// MaxSize bounds what a reader reads: anything larger is not one of ours.
const MaxSize = 64 << 10

// Kind is how a tree is contained.
type Kind string

// Containment kinds, as written into records and shown by doctor and ps.
const (
	// KindCgroup: the tree lives in a cgroup v2 directory of its own.
	KindCgroup Kind = "cgroup"
	// KindPgroup: the tree is a process group, plus the processes that
	// left it carrying the tree's TreeEnv value.
	KindPgroup Kind = "pgroup"
	// KindContainer: the tree is a container (never in a runs record;
	// for reports that cover containers too).
	KindContainer Kind = "container"
)

// Record is the durable description of one supervised tree, written
// before its program runs and removed once the tree is gone. It never
// holds the program's arguments or environment.
type Record struct {
	Version int `json:"version"`
	// Tree is the tree's id, also the value of TreeEnv in its processes
	// and the name of its cgroup.
	Tree string `json:"tree"`
	// Containment is KindCgroup or KindPgroup.
	Containment Kind `json:"containment"`
	// Cgroup is the absolute path of the tree's cgroup directory.
	Cgroup string `json:"cgroup,omitempty"`
	// Leader is the first process of an External group, its proof; zero
	// for a tree corral started, whose record is written before the
	// leader exists.
	Leader Identity `json:"leader"`
	// Owner is the supervisor that started the tree.
	Owner Identity `json:"owner"`
	// OwnerNS is the owner's PID namespace: its PID is meaningful only
	// there.
	OwnerNS uint64 `json:"owner_ns,omitempty"`
	Boot    string `json:"boot"`
	UID     int    `json:"uid"`
	// Name is the base name of the executable.
	Name string `json:"name"`
	// External marks a record of a group the caller spawned itself
	// (base.WritePgidFile): there is no TreeEnv to check, only the
	// leader's identity.
	External bool          `json:"external,omitempty"`
	Grace    time.Duration `json:"grace"`
	Created  time.Time     `json:"created"`
}

// New returns the record of a new tree owned by the calling process, with
// a fresh tree id: kind is KindCgroup or KindPgroup, name the executable
// (reduced to its base name), grace the tree's grace period. Set Cgroup
// for a cgroup tree before writing it.
func New(kind Kind, name string, grace time.Duration) (*Record, error) {
	owner, err := Self()
	if err != nil {
		return nil, fmt.Errorf("owner identity: %w", err)
	}
	boot, err := BootID()
	if err != nil {
		return nil, err
	}
	if name != "" {
		name = filepath.Base(name)
	}
	return &Record{
		Version: Version, Tree: newTreeID(owner), Containment: kind, Owner: owner, OwnerNS: PIDNamespace(),
		Boot: boot, UID: os.Getuid(), Name: name, Grace: grace, Created: time.Now().UTC(),
	}, nil
}

// NewExternal returns the record of a process group the caller spawned
// itself, led by leader.
func NewExternal(leader Identity, name string, grace time.Duration) (*Record, error) {
	r, err := New(KindPgroup, name, grace)
	if err != nil {
		return nil, err
	}
	r.Leader, r.External = leader, true
	return r, nil
}

// FileName is the record's file name in the runs directory: the tree id
// for a tree corral started ("cg-" or "pg-" by containment), written
// before its leader exists; the leader's PID for an External record.
func (r *Record) FileName() string {
	switch {
	case r.Containment == KindCgroup:
		return "cg-" + r.Tree + ".json"
	case r.External:
		return ExternalFileName(r.Leader.PID)
	}
	return "pg-" + r.Tree + ".json"
}

// ExternalFileName is the file name of the External record of the group
// led by pid.
func ExternalFileName(pid int) string { return strconv.Itoa(pid) + ".json" }

// CgroupFileName is the file name of the record of cgroup tree id.
func CgroupFileName(tree string) string { return "cg-" + tree + ".json" }

// ErrMalformed is wrapped by the errors of Decode and Validate.
var ErrMalformed = errors.New("malformed record")

// Decode parses and checks a record. Every field the reaper acts on is
// validated here, so a record that decodes can be trusted as far as its
// own consistency goes.
func Decode(b []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// Encode is the record as stored.
func (r *Record) Encode() ([]byte, error) { return json.Marshal(r) }

// Validate checks the record's own consistency.
func (r *Record) Validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }
	switch {
	case r.Version != Version:
		return bad("unknown version " + strconv.Itoa(r.Version))
	case !treeIDPattern.MatchString(r.Tree):
		return bad("bad tree id")
	case r.Owner.PID <= 0 || r.Owner.Start == 0:
		return bad("no owner identity")
	case r.OwnerNS == 0 && PIDNamespace() != 0:
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
	case KindCgroup:
		return r.validateCgroup()
	case KindPgroup:
		if r.External && (r.Leader.PID <= 1 || r.Leader.Start == 0) {
			return bad("no leader identity")
		}
		if r.External && r.Leader.Start < r.Owner.Start {
			// A caller records a group it spawned: its leader is younger
			// than the caller. An older one is someone else's group.
			return bad("leader older than its owner")
		}
		return nil
	}
	return bad("unknown containment " + strconv.Quote(string(r.Containment)))
}

// validateCgroup accepts only a cgroup path of the shape corral creates:
// clean, absolute, .../corral/<home key>/<tree id>.
func (r *Record) validateCgroup() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }
	p := r.Cgroup
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return bad("cgroup path is not clean and absolute")
	}
	home := filepath.Dir(p)
	if filepath.Base(p) != r.Tree || !homeKeyPattern.MatchString(filepath.Base(home)) || filepath.Base(filepath.Dir(home)) != CgroupDirName {
		return bad("cgroup path is not a corral tree cgroup")
	}
	return nil
}
