// Package atomicfile holds the file primitives corral's durable state is
// built from: private directories, files written atomically, reads that
// refuse symlinks and bound their size, and a cross-process lock.
//
// Every file it writes is 0600 and every directory it creates 0700. A
// write goes to a temporary file in the target directory, then is renamed
// into place, so a reader sees the old file, no file, or the whole new
// one. There is no fsync: corral's state must outlive the process that
// wrote it, not the machine (see runners/base for why that is enough).
//
// It imports nothing of corral's: it is the lowest layer.
package atomicfile
