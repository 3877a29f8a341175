// Package procfs reads the kernel's facts about processes: on Linux from
// /proc (proc(5)), on darwin from the kernel's process table (sysctl).
// It only reads; it never signals or changes anything.
//
// What it offers everywhere: a process's start time (with its PID, the
// identity that survives PID reuse), its group and user, the members of
// a process group, the boot id and the PID namespace. On Linux also the
// parsed /proc/PID/stat, one walk over every process and one reader of a
// process's initial environment.
//
// A process that does not exist, or is a zombie, gives an error wrapping
// os.ErrNotExist wherever a live process is asked for.
package procfs
