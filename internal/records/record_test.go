package records

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validRecord(kind Kind) Record {
	r := Record{
		Version: Version, Tree: "100.5000.1", Containment: kind,
		Owner: Identity{PID: 100, Start: 5000}, OwnerNS: PIDNamespace(), Boot: "boot-a", UID: 0, Name: "sleep",
		Grace: time.Second, Created: time.Unix(1, 0),
	}
	if kind == KindCgroup {
		r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/100.5000.1"
	} else {
		r.Leader = Identity{PID: 200, Start: 6000}
	}
	return r
}

func TestRecordValidate(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		mutate func(r *Record)
		want   string // substring of the error, "" for valid
	}{
		{"cgroup ok", KindCgroup, func(*Record) {}, ""},
		{"pgroup ok", KindPgroup, func(*Record) {}, ""},
		{"future version", KindPgroup, func(r *Record) { r.Version = 2 }, "version"},
		{"tree id with slash", KindPgroup, func(r *Record) { r.Tree = "../x" }, "tree id"},
		{"no owner", KindPgroup, func(r *Record) { r.Owner = Identity{} }, "owner"},
		{"no boot", KindPgroup, func(r *Record) { r.Boot = "" }, "boot"},
		{"no owner namespace", KindPgroup, func(r *Record) { r.OwnerNS = 0 }, "namespace"},
		{"negative grace", KindPgroup, func(r *Record) { r.Grace = -1 }, "grace"},
		{"name with path", KindPgroup, func(r *Record) { r.Name = "/bin/sh" }, "base name"},
		{"unknown containment", KindPgroup, func(r *Record) { r.Containment = "jail" }, "containment"},
		{"pgroup without leader", KindPgroup, func(r *Record) { r.Leader = Identity{} }, ""},
		{"external leader pid 1", KindPgroup, func(r *Record) { r.External, r.Leader.PID = true, 1 }, "leader"},
		{"external no leader start", KindPgroup, func(r *Record) { r.External, r.Leader.Start = true, 0 }, "leader"},
		{"external leader older than owner", KindPgroup, func(r *Record) { r.External, r.Leader.Start = true, 4999 }, "older"},
		{"external leader younger than owner", KindPgroup, func(r *Record) { r.External = true }, ""},
		{"cgroup relative", KindCgroup, func(r *Record) { r.Cgroup = "corral/100.5000.1" }, "clean and absolute"},
		{"cgroup dotdot", KindCgroup, func(r *Record) { r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/../100.5000.1" }, "clean and absolute"},
		{"cgroup without home key", KindCgroup, func(r *Record) { r.Cgroup = "/sys/fs/cgroup/corral/100.5000.1" }, "not a corral tree"},
		{"cgroup outside corral", KindCgroup, func(r *Record) { r.Cgroup = "/sys/fs/cgroup/system.slice/0123456789ab/100.5000.1" }, "not a corral tree"},
		{"cgroup of another tree", KindCgroup, func(r *Record) { r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/100.5000.2" }, "not a corral tree"},
		{"cgroup of another owner", KindCgroup, func(r *Record) {
			r.Tree = "101.5000.1"
			r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/101.5000.1"
		}, "owner"},
		{"pgroup tree of another owner", KindPgroup, func(r *Record) { r.Tree = "101.5000.1" }, "owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no owner namespace" && PIDNamespace() == 0 {
				t.Skip("no PID namespaces on this platform")
			}
			r := validRecord(tt.kind)
			tt.mutate(&r)
			b, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(b)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("valid record rejected: %v", err)
			case tt.want != "" && (!errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("decode = %v, want an ErrMalformed about %q", err, tt.want)
			}
		})
	}
}

func TestDecodeRecordGarbage(t *testing.T) {
	for _, in := range []string{"", "{", "null", "[]", `{"version":"1"}`, "\x00\xff", strings.Repeat("{", 10000)} {
		if _, err := Decode([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("decode(%.20q) = %v, want ErrMalformed", in, err)
		}
	}
}

func TestRecordFileName(t *testing.T) {
	cg, pg, ext := validRecord(KindCgroup), validRecord(KindPgroup), validRecord(KindPgroup)
	ext.External = true
	for _, tt := range []struct {
		r    Record
		want string
	}{{cg, "cg-100.5000.1.json"}, {pg, "pg-100.5000.1.json"}, {ext, "200.json"}} {
		if got := tt.r.FileName(); got != tt.want {
			t.Errorf("%s record (external %v) file %q, want %q", tt.r.Containment, tt.r.External, got, tt.want)
		}
	}
}

func TestDecideReap(t *testing.T) {
	r := validRecord(KindPgroup)
	r.OwnerNS = 7
	tests := []struct {
		boot       string
		ns         uint64
		ownerAlive bool
		want       Action
	}{
		{"boot-a", 7, true, Keep},
		{"boot-a", 7, false, Stop},
		{"boot-a", 8, false, Foreign}, // "dead" as seen from another PID namespace
		{"boot-a", 8, true, Foreign},
		{"boot-b", 7, true, Forget}, // an owner "alive" on another boot is a recycled PID
		{"boot-b", 8, false, Forget},
	}
	for _, tt := range tests {
		if got := Decide(&r, tt.boot, tt.ns, tt.ownerAlive); got != tt.want {
			t.Errorf("Decide(boot %s, ns %d, owner alive %v) = %v, want %v", tt.boot, tt.ns, tt.ownerAlive, got, tt.want)
		}
	}
}
