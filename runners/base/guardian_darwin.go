package base

import (
	"os"
	"time"

	"github.com/corralrun/corral/internal/records"
)

// selfExecutable is the running binary's path.
func selfExecutable() (string, error) { return os.Executable() }

// waitOwnerGone polls, for at most bound, until owner is no longer alive:
// darwin has no pidfd.
func waitOwnerGone(owner records.Identity, bound time.Duration) { pollOwnerGone(owner, bound) }

// isGuardianOf: darwin cannot read another process's environment, so a
// guardian cannot be proven; the closed pipe ends it instead of a kill.
func isGuardianOf(int, int, string) bool { return false }
