package base

import (
	"os"
	"path/filepath"
	"testing"
)

// An existing CORRAL_HOME is used as it is (it may be a shared directory);
// only runs is made private.
func TestRecordStoreLeavesHomeMode(t *testing.T) {
	home := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	t.Setenv(homeEnv, home)
	store, err := openRecordStore()
	if err != nil {
		t.Fatal(err)
	}
	hi, _ := os.Stat(home)
	ri, _ := os.Stat(store.dir)
	if hi.Mode()&(os.ModePerm|os.ModeSticky) != 0o777|os.ModeSticky {
		t.Errorf("home mode changed to %v", hi.Mode())
	}
	if ri.Mode().Perm() != 0o700 {
		t.Errorf("runs mode %v, want 0700", ri.Mode().Perm())
	}
}

// A missing CORRAL_HOME is created, parents included, private.
func TestRecordStoreCreatesHome(t *testing.T) {
	home := filepath.Join(t.TempDir(), "a", "b", "home")
	t.Setenv(homeEnv, home)
	if _, err := openRecordStore(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(home); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("home %v, %v; want a 0700 directory", fi, err)
	}
}
