package base

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestLookPathCannotExecute: a path that exists but cannot be executed is
// told from one that is not there (fs.ErrPermission against
// fs.ErrNotExist), both wrapping ErrBinaryNotFound, so that a CLI can
// answer 126 or 127 as shells do.
func TestLookPathCannotExecute(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "no-x"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		bin       string
		wantIs    error // nil: found
		wantNotIs error
	}{
		{"./x", nil, nil},
		{"./no-x", fs.ErrPermission, fs.ErrNotExist},
		{"./sub", fs.ErrPermission, fs.ErrNotExist},
		{"./missing", fs.ErrNotExist, fs.ErrPermission},
		{"missing-in-path", ErrBinaryNotFound, fs.ErrPermission},
		{"no-x", fs.ErrPermission, fs.ErrNotExist}, // found in PATH, not executable
		{"x", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.bin, func(t *testing.T) {
			path, err := lookPath(tt.bin, dir, dir)
			if tt.wantIs == nil {
				if err != nil || path != filepath.Join(dir, tt.bin) {
					t.Fatalf("lookPath(%q) = %q, %v; want %s", tt.bin, path, err, filepath.Join(dir, tt.bin))
				}
				return
			}
			if !errors.Is(err, ErrBinaryNotFound) || !errors.Is(err, tt.wantIs) || errors.Is(err, tt.wantNotIs) {
				t.Errorf("lookPath(%q) error %v: want ErrBinaryNotFound and %v, not %v", tt.bin, err, tt.wantIs, tt.wantNotIs)
			}
			var pe *fs.PathError
			if tt.wantIs == fs.ErrPermission && (!errors.As(err, &pe) || pe.Path != filepath.Join(dir, tt.bin)) {
				t.Errorf("lookPath(%q) error %v: want a *fs.PathError naming %s", tt.bin, err, filepath.Join(dir, tt.bin))
			}
		})
	}
}
