package sbom

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// readRegularFile returns the content of the file at path (a cache entry, a
// go.mod), if it is a regular file of at most limit bytes. Only a regular
// file is read: opening a FIFO planted there would wait for a writer for
// ever, and a link may lead anywhere. (openRegular does the checks.)
func readRegularFile(path string, limit int64) ([]byte, bool) {
	fd, size, ok := openRegular(path)
	if !ok {
		return nil, false
	}
	defer fd.Close()
	if size > limit {
		return nil, false
	}
	// One byte more than Stat said, to see a file that grew.
	data := make([]byte, 0, size+1)
	for int64(len(data)) <= limit {
		n, err := fd.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF || n == 0 && err == nil {
			break
		}
		if err == nil && int64(len(data)) == size && len(data) < cap(data) {
			// All Stat said and no more: the file as it was then, without
			// a read to see the end.
			break
		}
		if err != nil {
			return nil, false
		}
		if len(data) == cap(data) {
			data = slices.Grow(data, 4096)
		}
	}
	if int64(len(data)) > limit {
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

// A lines entry (a module graph's, a module set's) is a head line naming
// what it is for, lines of its own, and a last line with their count and
// SHA-256, so that an entry cut short or mixed with another is not taken.

// readLinesEntry returns the lines of the entry at path that has that head
// line, if it is whole.
func readLinesEntry(path, head string) ([]byte, bool) {
	data, ok := readRegularFile(path, 64<<20)
	if !ok {
		return nil, false
	}
	first, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok || string(first) != head {
		return nil, false
	}
	i := bytes.LastIndexByte(rest[:max(len(rest)-1, 0)], '\n') + 1
	body, last := rest[:i], rest[i:]
	if string(last) != cacheEntryEnd(body) {
		return nil, false
	}
	return body, true
}

// writeLinesEntry writes an entry for readLinesEntry; body is its lines,
// each ending in a line break.
func writeLinesEntry(path, head string, body []byte) {
	writeCacheFile(path, []byte(head+"\n"+string(body)+cacheEntryEnd(body)))
}

// cacheEntryEnd is the last line of a lines entry with those lines.
func cacheEntryEnd(body []byte) string {
	sum := sha256.Sum256(body)
	return fmt.Sprintf("end %d %x\n", bytes.Count(body, []byte("\n")), sum)
}
