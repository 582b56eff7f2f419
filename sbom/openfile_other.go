//go:build !unix

package sbom

import (
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
