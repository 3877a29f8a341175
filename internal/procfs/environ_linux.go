package procfs

import (
	"bytes"
	"os"
	"strconv"
)

// Environ returns the entries ("KEY=VALUE") of pid's initial environment,
// as the kernel keeps it in /proc/PID/environ: what the process was
// started with, or what it wrote over that block since (a process title).
// Only the caller's own processes can be read, or any for root.
func Environ(pid int) ([][]byte, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return nil, err
	}
	return bytes.Split(b, []byte{0}), nil
}

// EnvironHas reports whether pid's initial environment holds the entry
// "KEY=VALUE" exactly. An unreadable environment holds nothing.
func EnvironHas(pid int, entry string) bool {
	kvs, err := Environ(pid)
	if err != nil {
		return false
	}
	want := []byte(entry)
	for _, kv := range kvs {
		if bytes.Equal(kv, want) {
			return true
		}
	}
	return false
}

// EnvironValue returns the value of key in pid's initial environment.
func EnvironValue(pid int, key string) (string, bool) {
	kvs, err := Environ(pid)
	if err != nil {
		return "", false
	}
	prefix := []byte(key + "=")
	for _, kv := range kvs {
		if v, ok := bytes.CutPrefix(kv, prefix); ok {
			return string(v), true
		}
	}
	return "", false
}

// PIDsWithEnv lists the live processes whose initial environment holds
// the entry "KEY=VALUE".
func PIDsWithEnv(entry string) []int {
	var out []int
	Each(func(pid int, _ Stat) {
		if EnvironHas(pid, entry) {
			out = append(out, pid)
		}
	})
	return out
}
