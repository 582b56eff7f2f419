package sbom

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// goSums maps "path@version" to the h1 hash of the module's content, as
// go.sum and go.work.sum record it. The "/go.mod" lines, which hash only a
// module's go.mod file, are not kept.
type goSums map[string]string

// read adds the lines of a go.sum file. A missing file adds nothing; a
// malformed line is an error naming the file and line.
func (s goSums) read(path string) error {
	data, err := readGoFile(path, maxGoSum)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}

	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || !strings.HasPrefix(fields[2], "h1:") {
			errs = append(errs, fmt.Errorf("%s:%d: malformed go.sum line %q", path, n, line))
			continue
		}
		if _, ok := h1Hex(fields[2]); !ok {
			errs = append(errs, fmt.Errorf("%s:%d: malformed h1 hash %q", path, n, fields[2]))
			continue
		}
		if strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		key := fields[0] + "@" + fields[1]
		if prev, ok := s[key]; ok && prev != fields[2] {
			// The go command takes a download that matches either: which
			// one was built cannot be told from the files.
			errs = append(errs, fmt.Errorf("%s:%d: a second h1 hash for %s %s, not the one "+
				"before it; the go command accepts either, so the documents cannot say which",
				path, n, fields[0], fields[1]))
			continue
		}
		s[key] = fields[2]
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("reading %s: %w", path, err))
	}
	return errors.Join(errs...)
}
