package lockfile

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// This file reads the files Parse and Lock are given or led to: only
// regular files, of bounded size, without ever blocking on a named pipe
// or a device, and identified by what they are rather than by the path
// that reached them (two symbolic links to one folder are one file).

// MaxFileSize bounds a requirements file, an included one or a lockfile:
// far beyond any real one, small enough to hold in memory.
const MaxFileSize = 64 << 20

// The limits of one Parse: how deep -r and -c may nest, how many files
// it reads, how many entries (requirement and option lines) it keeps and
// how many problems it lists, and how many physical lines the files it
// reads may have. A 60 MB file of one-letter lines would otherwise hold
// tens of millions of entries and findings in memory.
const (
	maxIncludeDepth = 64
	maxFiles        = 1000
	maxEntries      = 100_000
	maxLines        = 4_000_000
	maxProblems     = 10_000
)

// fileID identifies a file for cycle detection: by device and inode when
// read from the operating system, else (from an fs.FS) by its clean path.
type fileID struct {
	key  string
	info os.FileInfo // nil for an fs.FS
	name string      // the path it was reached by, for messages
}

func (a fileID) same(b fileID) bool {
	if a.info != nil && b.info != nil {
		return os.SameFile(a.info, b.info)
	}
	return a.key == b.key
}

// notRegularError is a path that names something other than a regular
// file: a folder, a named pipe, a device, a socket.
type notRegularError struct {
	path string
	mode fs.FileMode
}

func (e *notRegularError) Error() string {
	what := "not a regular file"
	switch {
	case e.mode.IsDir():
		what = "a folder, not a file"
	case e.mode&fs.ModeNamedPipe != 0:
		what = "a named pipe, not a regular file"
	case e.mode&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case e.mode&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	}
	return e.path + " is " + what
}

// tooLargeError is a file larger than MaxFileSize.
type tooLargeError struct{ path string }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s", e.path, sizeText(MaxFileSize))
}

// statFile returns the identity of a regular file at name, without
// opening it: a named pipe is refused before anything could block on it.
func statFile(fsys fs.FS, name string) (fileID, error) {
	if fsys != nil {
		fi, err := fs.Stat(fsys, name)
		if err != nil {
			return fileID{}, err
		}
		return fileID{key: path.Clean(name), name: name}, checkRegular(name, fi)
	}
	fi, err := os.Stat(name)
	if err != nil {
		return fileID{}, err
	}
	key, err := filepath.Abs(name)
	if err != nil {
		key = filepath.Clean(name)
	}
	return fileID{key: key, info: fi, name: name}, checkRegular(name, fi)
}

func checkRegular(name string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &notRegularError{path: name, mode: fi.Mode()}
	}
	if fi.Size() > MaxFileSize {
		return &tooLargeError{path: name}
	}
	return nil
}

// readRegular reads a regular file of at most MaxFileSize bytes from fsys,
// or from the operating system when fsys is nil. The file is opened
// without blocking (a named pipe put in its place after a look would
// otherwise hang the open) and checked again once open.
func readRegular(fsys fs.FS, name string) ([]byte, error) {
	var f fs.File
	var err error
	if fsys != nil {
		f, err = fsys.Open(name)
	} else {
		f, err = os.OpenFile(name, openFlags, 0)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, fi); err != nil {
		return nil, err
	}
	// A buffer of the size Stat gives, and room to see the end: io.ReadAll
	// grows its buffer from 512 bytes, and zeroing and copying the larger
	// ones was a tenth of parsing a large lockfile. A file that grows
	// meanwhile grows the buffer.
	size := min(max(fi.Size(), 0), MaxFileSize+1)
	buf := bytes.NewBuffer(make([]byte, 0, int(size)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) > MaxFileSize {
		return nil, &tooLargeError{path: name}
	}
	return data, nil
}
