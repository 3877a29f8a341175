package base

import (
	"fmt"

	"github.com/corralrun/corral/internal/records"
)

// WritePgidFile records a process group the caller spawned itself (with
// Setpgid, so pgid is its leader's PID), so that Reap stops it if the
// caller dies without cleaning up. The record holds the leader's and the
// caller's identities and the base name of argv[0]; never the arguments
// and never cwd, which are accepted for compatibility and ignored. The
// leader must be running. Remove the record with RemovePgidFile once the
// group is gone.
//
// Such a group carries no CORRAL_TREE variable, so the reaper trusts it on
// the leader's identity alone: it is stopped only while its leader still
// runs with the recorded PID and start time.
func WritePgidFile(pgid int, cwd string, argv []string) error {
	if pgid <= 1 {
		return fmt.Errorf("write pgid record: invalid process group %d", pgid)
	}
	leader, err := records.IdentityOf(pgid)
	if err != nil {
		return fmt.Errorf("write pgid record: leader of group %d: %w", pgid, err)
	}
	store, err := records.Open()
	if err != nil {
		return fmt.Errorf("write pgid record: %w", err)
	}
	name := ""
	if len(argv) > 0 {
		name = argv[0]
	}
	store.HoldOwnerLock() // best effort: for reapers in other PID namespaces
	rec, err := records.NewExternal(leader, name, DefaultGracePeriod)
	if err != nil {
		return fmt.Errorf("write pgid record: %w", err)
	}
	return store.Write(rec)
}

// RemovePgidFile removes the record WritePgidFile wrote for pgid. A
// missing record is not an error.
func RemovePgidFile(pgid int) error {
	store, err := records.Open()
	if err != nil {
		return fmt.Errorf("remove pgid record: %w", err)
	}
	return store.Remove(records.ExternalFileName(pgid))
}
