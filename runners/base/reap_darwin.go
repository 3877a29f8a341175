package base

import (
	"context"

	"golang.org/x/sys/unix"
)

// treeEnvIndex is empty on darwin, where another process's environment
// cannot be read.
type treeEnvIndex struct{ pids map[string][]int }

func indexTreeEnv() *treeEnvIndex { return &treeEnvIndex{} }

type groupAndStart struct {
	pgid  int
	start uint64
	uid   int
}

func processGroupAndStart(pid int) (groupAndStart, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return groupAndStart{}, err
	}
	if kp.Proc.P_pid != int32(pid) || kp.Proc.P_stat == 5 {
		return groupAndStart{}, errNoProcess
	}
	tv := kp.Proc.P_starttime
	return groupAndStart{pgid: int(kp.Eproc.Pgid), start: uint64(tv.Sec)*1_000_000 + uint64(tv.Usec), uid: int(kp.Eproc.Ucred.Uid)}, nil
}

// sweepCgroups has nothing to sweep on darwin.
func (r *reaper) sweepCgroups(context.Context) {}
