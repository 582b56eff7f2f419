package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing the n bytes of f at off
// to the disk, without waiting for them (sync_file_range with
// SYNC_FILE_RANGE_WRITE). It is a hint: f.Sync still makes the file
// durable, and reports what went wrong.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
