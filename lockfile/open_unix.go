//go:build unix

package lockfile

import (
	"os"
	"syscall"
)

// openFlags open a file for reading without waiting for a writer, should
// it be a named pipe.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
