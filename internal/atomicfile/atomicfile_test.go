package atomicfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteFileIsPrivateAndWhole(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, "a.json", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dir, "a.json", []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "a.json"))
	if err != nil || string(b) != "two" {
		t.Fatalf("read back %q, %v; want \"two\"", b, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "a.json"))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d entries left in dir, want 1 (no temporary file)", len(entries))
	}
}

func TestReadNoFollowRefusesSymlinkAndFIFO(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("x"), 0o600)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNoFollow(link, 10); err == nil {
		t.Fatal("read through a symlink")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no mkfifo:", err)
	}
	if _, err := ReadNoFollow(fifo, 10); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("fifo: %v, want ErrNotRegular", err)
	}
}

func TestReadNoFollowBoundsSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	os.WriteFile(path, make([]byte, 100), 0o600)
	b, err := ReadNoFollow(path, 10)
	if err != nil || len(b) != 11 {
		t.Fatalf("got %d bytes, %v; want 11 (max+1)", len(b), err)
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "d")
	if err := EnsurePrivateDir(dir, "state", "set X"); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	if err := EnsurePrivateDir(dir, "state", "set X"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, want 0700", fi.Mode().Perm())
	}
	file := filepath.Join(root, "f")
	os.WriteFile(file, nil, 0o600)
	if err := EnsurePrivateDir(file, "state", "set X"); err == nil {
		t.Fatal("a regular file accepted as a directory")
	}
}

func TestLockExcludesAndCancels(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	unlock, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held: %v, want DeadlineExceeded", err)
	}
	unlock()
	unlock2, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	unlock2()
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, TempPrefix+"old")
	young := filepath.Join(dir, TempPrefix+"young")
	os.WriteFile(old, nil, 0o600)
	os.WriteFile(young, nil, 0o600)
	past := time.Now().Add(-time.Hour)
	os.Chtimes(old, past, past)
	RemoveStaleTemps(dir, time.Minute)
	if _, err := os.Stat(old); err == nil {
		t.Fatal("old temp kept")
	}
	if _, err := os.Stat(young); err != nil {
		t.Fatal("young temp removed")
	}
}
