//go:build !unix

package sbom

import (
	"fmt"
	"io"
	"os"
)

// openRegular opens path for reading if it is a regular file (checked
// before it is opened, without following a link), and returns its size.
func openRegular(path string) (io.ReadCloser, int64, bool) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, false
	}
	return f, fi.Size(), true
}

// openBinary opens a file named by --go-binary for reading if it is a
// regular file, which it may be through a symbolic link.
func openBinary(path string) (*os.File, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}
