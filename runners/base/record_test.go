package base

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validRecord(kind string) record {
	r := record{
		Version: recordVersion, Tree: "100.5000.1", Containment: kind,
		Owner: procIdentity{PID: 100, Start: 5000}, OwnerNS: pidNamespace(), Boot: "boot-a", UID: 0, Name: "sleep",
		Grace: time.Second, Created: time.Unix(1, 0),
	}
	if kind == containCgroup {
		r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/100.5000.1"
	} else {
		r.Leader = procIdentity{PID: 200, Start: 6000}
	}
	return r
}

func TestRecordValidate(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		mutate func(r *record)
		want   string // substring of the error, "" for valid
	}{
		{"cgroup ok", containCgroup, func(*record) {}, ""},
		{"pgroup ok", containPgroup, func(*record) {}, ""},
		{"future version", containPgroup, func(r *record) { r.Version = 2 }, "version"},
		{"tree id with slash", containPgroup, func(r *record) { r.Tree = "../x" }, "tree id"},
		{"no owner", containPgroup, func(r *record) { r.Owner = procIdentity{} }, "owner"},
		{"no boot", containPgroup, func(r *record) { r.Boot = "" }, "boot"},
		{"no owner namespace", containPgroup, func(r *record) { r.OwnerNS = 0 }, "namespace"},
		{"negative grace", containPgroup, func(r *record) { r.Grace = -1 }, "grace"},
		{"name with path", containPgroup, func(r *record) { r.Name = "/bin/sh" }, "base name"},
		{"unknown containment", containPgroup, func(r *record) { r.Containment = "jail" }, "containment"},
		{"pgroup without leader", containPgroup, func(r *record) { r.Leader = procIdentity{} }, ""},
		{"external leader pid 1", containPgroup, func(r *record) { r.External, r.Leader.PID = true, 1 }, "leader"},
		{"external no leader start", containPgroup, func(r *record) { r.External, r.Leader.Start = true, 0 }, "leader"},
		{"cgroup relative", containCgroup, func(r *record) { r.Cgroup = "corral/100.5000.1" }, "clean and absolute"},
		{"cgroup dotdot", containCgroup, func(r *record) { r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/../100.5000.1" }, "clean and absolute"},
		{"cgroup without home key", containCgroup, func(r *record) { r.Cgroup = "/sys/fs/cgroup/corral/100.5000.1" }, "not a corral tree"},
		{"cgroup outside corral", containCgroup, func(r *record) { r.Cgroup = "/sys/fs/cgroup/system.slice/0123456789ab/100.5000.1" }, "not a corral tree"},
		{"cgroup of another tree", containCgroup, func(r *record) { r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/100.5000.2" }, "not a corral tree"},
		{"cgroup of another owner", containCgroup, func(r *record) {
			r.Tree = "101.5000.1"
			r.Cgroup = "/sys/fs/cgroup/corral/0123456789ab/101.5000.1"
		}, "owner"},
		{"pgroup tree of another owner", containPgroup, func(r *record) { r.Tree = "101.5000.1" }, "owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no owner namespace" && pidNamespace() == 0 {
				t.Skip("no PID namespaces on this platform")
			}
			r := validRecord(tt.kind)
			tt.mutate(&r)
			b, err := r.encode()
			if err != nil {
				t.Fatal(err)
			}
			_, err = decodeRecord(b)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("valid record rejected: %v", err)
			case tt.want != "" && (!errors.Is(err, errBadRecord) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("decode = %v, want an errBadRecord about %q", err, tt.want)
			}
		})
	}
}

func TestDecodeRecordGarbage(t *testing.T) {
	for _, in := range []string{"", "{", "null", "[]", `{"version":"1"}`, "\x00\xff", strings.Repeat("{", 10000)} {
		if _, err := decodeRecord([]byte(in)); !errors.Is(err, errBadRecord) {
			t.Errorf("decode(%.20q) = %v, want errBadRecord", in, err)
		}
	}
}

func TestRecordFileName(t *testing.T) {
	cg, pg, ext := validRecord(containCgroup), validRecord(containPgroup), validRecord(containPgroup)
	ext.External = true
	for _, tt := range []struct {
		r    record
		want string
	}{{cg, "cg-100.5000.1.json"}, {pg, "pg-100.5000.1.json"}, {ext, "200.json"}} {
		if got := tt.r.fileName(); got != tt.want {
			t.Errorf("%s record (external %v) file %q, want %q", tt.r.Containment, tt.r.External, got, tt.want)
		}
	}
}

func TestDecideReap(t *testing.T) {
	r := validRecord(containPgroup)
	r.OwnerNS = 7
	tests := []struct {
		boot       string
		ns         uint64
		ownerAlive bool
		want       reapAction
	}{
		{"boot-a", 7, true, reapKeep},
		{"boot-a", 7, false, reapStop},
		{"boot-a", 8, false, reapForeign}, // "dead" as seen from another PID namespace
		{"boot-a", 8, true, reapForeign},
		{"boot-b", 7, true, reapForget}, // an owner "alive" on another boot is a recycled PID
		{"boot-b", 8, false, reapForget},
	}
	for _, tt := range tests {
		if got := decideReap(&r, tt.boot, tt.ns, tt.ownerAlive); got != tt.want {
			t.Errorf("decideReap(boot %s, ns %d, owner alive %v) = %v, want %v", tt.boot, tt.ns, tt.ownerAlive, got, tt.want)
		}
	}
}
