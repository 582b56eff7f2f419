package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swapIn puts the file tmp in place as name: exchanged with the file at
// name when there is one (renameat2 with RENAME_EXCHANGE), so that tmp
// then holds the old file and the exchange can be undone; else renamed.
// Tests replace it.
var swapIn = func(tmp, name string) (int, error) {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, name, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return swapExchanged, nil
	case errors.Is(err, unix.ENOENT):
		// No file at name (tmp is there: it was just written).
		if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, name, unix.RENAME_NOREPLACE); err == nil {
			return swapCreated, nil
		} else if !errors.Is(err, unix.EINVAL) {
			return 0, &os.LinkError{Op: "rename", Old: tmp, New: name, Err: err}
		}
	case !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS):
		return 0, &os.LinkError{Op: "rename", Old: tmp, New: name, Err: err}
	}
	// A file system without exchange: a plain rename.
	return swapReplaced, os.Rename(tmp, name)
}
