package sbom

import (
	"io"
	"os"
	"path/filepath"
)

// readRegularFile returns the content of the file at path (a cache entry, a
// go.mod), if it is a regular file of at most limit bytes. Only a regular
// file is read: opening a FIFO planted there would wait for a writer for
// ever, and a link may lead anywhere.
func readRegularFile(path string, limit int64) ([]byte, bool) {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil || int64(len(data)) > limit {
		return nil, false
	}
	return data, true
}

// writeCacheFile writes a cache entry to a temporary file beside path and
// renames it, so that a reader sees a whole entry or none. A cache is a
// convenience: an entry that cannot be written is left out.
func writeCacheFile(path string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".entry-*")
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}
