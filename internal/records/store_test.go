package records

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
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
	t.Setenv(HomeEnv, home)
	store, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	hi, _ := os.Stat(home)
	ri, _ := os.Stat(store.Dir())
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
	t.Setenv(HomeEnv, home)
	if _, err := Open(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(home); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("home %v, %v; want a 0700 directory", fi, err)
	}
}

func TestStoreWriteReadSetAside(t *testing.T) {
	t.Setenv(HomeEnv, t.TempDir())
	store, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := New(KindPgroup, "/usr/bin/sleep", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name != "sleep" {
		t.Fatalf("name %q, want the base name", rec.Name)
	}
	if err := store.Write(rec); err != nil {
		t.Fatal(err)
	}
	got, err := store.Read(rec.FileName())
	if err != nil || got.Tree != rec.Tree || got.Owner != rec.Owner {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if fi, _ := os.Stat(filepath.Join(store.Dir(), rec.FileName())); fi.Mode().Perm() != 0o600 {
		t.Fatalf("record mode %v, want 0600", fi.Mode().Perm())
	}
	for name, content := range map[string]string{"pg-1.2.3.json": "{garbage", "other.json": ""} {
		os.WriteFile(filepath.Join(store.Dir(), name), []byte(content), 0o600)
		_, err := store.Read(name)
		var aside *SetAsideError
		if !errors.As(err, &aside) || aside.File != name || aside.Reason == "" {
			t.Fatalf("%s: %v, want a *SetAsideError naming the file and a reason", name, err)
		}
		if err := store.SetAside(name); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(store.Dir(), rec.FileName()), filepath.Join(store.Dir(), "link.json"))
	if _, err := store.Read("link.json"); !errors.As(err, new(*SetAsideError)) {
		t.Fatalf("symlink: %v, want a *SetAsideError", err)
	}
	names, _ := store.Names()
	if len(names) != 2 { // the record and the link; set-aside files are hidden
		t.Fatalf("names %v, want the record and the link", names)
	}
}

func TestTreeIDNamesOwner(t *testing.T) {
	rec, err := New(KindCgroup, "x", 0)
	if err != nil {
		t.Fatal(err)
	}
	owner, ok := OwnerOfTree(rec.Tree)
	self, _ := Self()
	if !ok || owner != self || !owner.Alive() {
		t.Fatalf("tree %s names owner %v (%v), want the live caller %v", rec.Tree, owner, ok, self)
	}
	if _, ok := OwnerOfTree("../etc"); ok {
		t.Fatal("a path parsed as a tree id")
	}
}
