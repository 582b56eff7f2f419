// Package newfile creates the temporary files that sbompipe writes a
// result into and then renames over its destination, so that the result
// has the permissions a user expects of it: those of the file it
// replaces, or else those of any new file (0666 less the umask).
package newfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CreateTemp is os.CreateTemp with the mode os.Create gives a new file,
// 0666 less the process's umask, where os.CreateTemp gives 0600. The last
// "*" of pattern, if any, is where the random part goes.
func CreateTemp(dir, pattern string) (*os.File, error) {
	if strings.ContainsRune(pattern, os.PathSeparator) {
		return nil, fmt.Errorf("pattern %q contains a path separator", pattern)
	}
	prefix, suffix := pattern, ""
	if i := strings.LastIndexByte(pattern, '*'); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 10000 {
			continue
		}
		return f, err
	}
}

// KeepMode gives the file temp the permission bits of dest when dest is
// a regular file, as writing dest in place would have kept them; with no
// such file temp keeps the mode it was created with.
func KeepMode(temp, dest string) error {
	fi, err := os.Lstat(dest)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return os.Chmod(temp, fi.Mode().Perm())
}

// SyncDir flushes a folder to disk, so that the renames into it survive
// a crash. Not every file system can: callers that only try ignore the
// error.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
