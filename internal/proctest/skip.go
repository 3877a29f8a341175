package proctest

import (
	"os"
	"testing"
)

// SkipOrFail skips t with reason (what is missing and how to get it), or
// fails it under CI=true, where no suite may skip. Factories call it when
// the backend cannot run here.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and cannot run: %s", reason)
	}
	t.Skip(reason)
}
