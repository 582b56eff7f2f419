//go:build unix

package sbom

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// rawFile is a file descriptor opened by openRegular.
type rawFile int

func (f rawFile) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 && len(p) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f rawFile) Close() error { return syscall.Close(int(f)) }

// openRegular opens path for reading if it is a regular file, and returns
// its size. The last element of path must not be a symbolic link
// (O_NOFOLLOW), and opening does not wait (O_NONBLOCK: a FIFO opens at
// once, and is then refused with anything else not regular). One lookup
// of the path, and no race between a check and the open; the descriptor
// is read directly, not through the runtime's poller, which a regular
// file does not use.
func openRegular(path string) (io.ReadCloser, int64, bool) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path,
			syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|
				syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, 0, false
	}
	return rawFile(fd), st.Size, true
}

// openBinary opens a file named by --go-binary for reading if it is a
// regular file, which it may be through a symbolic link. Opening does not
// wait (O_NONBLOCK), so that a FIFO or a device is refused at once.
func openBinary(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}
