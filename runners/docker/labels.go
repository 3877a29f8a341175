package docker

import (
	"strconv"

	"github.com/corralrun/corral/internal/records"
)

// The labels corral puts on its containers. A container without
// labelManaged is never touched by anything in this package. No label
// ever holds an environment value, an argument or a secret: the owner's
// identity, a flag and a hash.
const (
	labelPrefix    = "run.corral."
	labelManaged   = labelPrefix + "managed"     // "1"
	labelName      = labelPrefix + "name"        // the environment's name
	labelOwnerPID  = labelPrefix + "owner.pid"   // decimal PID
	labelOwnerStrt = labelPrefix + "owner.start" // start time in clock ticks since boot (/proc/PID/stat field 22)
	labelOwnerNS   = labelPrefix + "owner.pidns" // the owner's PID namespace inode
	labelOwnerBoot = labelPrefix + "owner.boot"  // /proc/sys/kernel/random/boot_id
	labelEphemeral = labelPrefix + "ephemeral"   // "true" or "false"
	labelConfig    = labelPrefix + "config"      // sha256 of the configuration, hex
)

// owner is who created a container, as its labels say.
type owner struct {
	PID   int
	Start uint64
	Boot  string
}

// containerLabels are the labels of a new container.
func containerLabels(name string, o owner, ephemeral bool, hash string) map[string]string {
	return map[string]string{
		labelOwnerNS:   strconv.FormatUint(records.PIDNamespace(), 10),
		labelManaged:   "1",
		labelName:      name,
		labelOwnerPID:  strconv.Itoa(o.PID),
		labelOwnerStrt: strconv.FormatUint(o.Start, 10),
		labelOwnerBoot: o.Boot,
		labelEphemeral: strconv.FormatBool(ephemeral),
		labelConfig:    hash,
	}
}

// labelled is what the sweep reads back from a container's labels. OK is
// false unless every owner label is present and well formed.
type labelled struct {
	Owner     owner
	OwnerNS   uint64
	Ephemeral bool
	Hash      string
	Name      string
	OK        bool
}

// parseLabels reads the labels of a container; a container without
// labelManaged gives ours=false and must be left alone.
func parseLabels(l map[string]string) (lb labelled, ours bool) {
	if l[labelManaged] != "1" {
		return labelled{}, false
	}
	lb.Name, lb.Hash = l[labelName], l[labelConfig]
	pid, err1 := strconv.Atoi(l[labelOwnerPID])
	start, err2 := strconv.ParseUint(l[labelOwnerStrt], 10, 64)
	eph, err3 := strconv.ParseBool(l[labelEphemeral])
	lb.OwnerNS, _ = strconv.ParseUint(l[labelOwnerNS], 10, 64)
	lb.Owner = owner{PID: pid, Start: start, Boot: l[labelOwnerBoot]}
	lb.Ephemeral = eph
	lb.OK = err1 == nil && err2 == nil && err3 == nil && pid > 0 && lb.Owner.Boot != ""
	return lb, true
}
