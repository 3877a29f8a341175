package base

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// treeEnvIndex maps tree ids to the live processes carrying them, from one
// scan of every process's environment.
type treeEnvIndex struct{ pids map[string][]int }

func indexTreeEnv() *treeEnvIndex {
	idx := &treeEnvIndex{pids: make(map[string][]int)}
	prefix := []byte(treeEnv + "=")
	eachProcess(func(pid int, _ procStat) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err != nil {
			return
		}
		for _, kv := range bytes.Split(b, []byte{0}) {
			if id, ok := bytes.CutPrefix(kv, prefix); ok {
				idx.pids[string(id)] = append(idx.pids[string(id)], pid)
				return
			}
		}
	})
	return idx
}

type groupAndStart struct {
	pgid  int
	start uint64
	uid   int
}

func processGroupAndStart(pid int) (groupAndStart, error) {
	st, err := readStat(pid)
	if err != nil {
		return groupAndStart{}, err
	}
	if st.State == 'Z' || st.State == 'X' {
		return groupAndStart{}, errNoProcess
	}
	// /proc/PID belongs to the process's effective user.
	fi, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return groupAndStart{}, err
	}
	return groupAndStart{pgid: st.PGID, start: st.StartTime, uid: int(fi.Sys().(*syscall.Stat_t).Uid)}, nil
}
