package records

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary bytes to Decode, the gate every record file
// passes before the reaper acts on it. Beyond not panicking, it checks
// what the reaper relies on: a rejected record is nil and wraps
// ErrMalformed; an accepted one has a live-able owner that its tree id
// names, a known containment, a file name that stays in the runs
// directory, a cgroup path of corral's shape, and it survives an
// encode/decode round trip unchanged.
func FuzzDecode(f *testing.F) {
	for _, kind := range []Kind{KindCgroup, KindPgroup} {
		r := validRecord(kind)
		b, err := r.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		r.External = true
		if b, err = r.Encode(); err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if r, err := New(KindPgroup, "/bin/sleep", 5*time.Second); err == nil {
		if b, err := r.Encode(); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			if r != nil {
				t.Fatalf("Decode returned a record together with error %v", err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error %v does not wrap ErrMalformed", err)
			}
			return
		}
		checkAccepted(t, r)

		enc, err := r.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded record: %v", err)
		}
		r2, err := Decode(enc)
		if err != nil {
			t.Fatalf("decoded record does not decode again after Encode: %v\n%s", err, enc)
		}
		if !sameRecord(*r, *r2) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", *r, *r2)
		}
		enc2, err := r2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("second Encode differs (%v):\n%s\n%s", err, enc, enc2)
		}
	})
}

// checkAccepted asserts the invariants of a record Decode accepted.
func checkAccepted(t *testing.T, r *Record) {
	t.Helper()
	if err := r.Validate(); err != nil {
		t.Fatalf("decoded record fails Validate: %v", err)
	}
	if r.Version != Version {
		t.Fatalf("accepted version %d", r.Version)
	}
	if r.Owner.PID <= 0 || r.Owner.Start == 0 {
		t.Fatalf("accepted owner %v", r.Owner)
	}
	if owner, ok := OwnerOfTree(r.Tree); !ok || owner != r.Owner {
		t.Fatalf("tree %q names owner %v (%v), record says %v", r.Tree, owner, ok, r.Owner)
	}
	if r.Boot == "" || r.Grace < 0 || strings.ContainsAny(r.Name, "/\x00") {
		t.Fatalf("accepted boot %q, grace %v, name %q", r.Boot, r.Grace, r.Name)
	}
	switch r.Containment {
	case KindCgroup:
		if !filepath.IsAbs(r.Cgroup) || filepath.Clean(r.Cgroup) != r.Cgroup ||
			filepath.Base(r.Cgroup) != r.Tree ||
			!IsHomeCgroupKey(filepath.Base(filepath.Dir(r.Cgroup))) ||
			filepath.Base(filepath.Dir(filepath.Dir(r.Cgroup))) != CgroupDirName {
			t.Fatalf("accepted cgroup path %q for tree %q", r.Cgroup, r.Tree)
		}
	case KindPgroup:
		if r.External && (r.Leader.PID <= 1 || r.Leader.Start == 0 || r.Leader.Start < r.Owner.Start) {
			t.Fatalf("accepted external leader %v of owner %v", r.Leader, r.Owner)
		}
	default:
		t.Fatalf("accepted containment %q", r.Containment)
	}
	name := r.FileName()
	if filepath.Base(name) != name || name == "." || name == ".." || strings.HasPrefix(name, ".") ||
		!strings.HasSuffix(name, ".json") {
		t.Fatalf("file name %q leaves the runs directory or is hidden", name)
	}
}

// sameRecord compares records field by field; Created by instant, since
// a decoded time's location is a fresh value each time.
func sameRecord(a, b Record) bool {
	if !a.Created.Equal(b.Created) {
		return false
	}
	a.Created, b.Created = time.Time{}, time.Time{}
	return a == b
}
