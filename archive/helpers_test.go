package archive

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock returns a Now function that starts at start and moves one minute
// on each call, so that every publish time differs.
func clock(start time.Time) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(time.Minute)
		return now
	}
}

var epoch = time.Date(2026, 4, 17, 9, 0, 0, 0, time.UTC)

// newFileStore opens a store in a new temporary folder.
func newFileStore(t testing.TB) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := Open(context.Background(), "file://"+dir, Options{Create: true, Now: clock(epoch)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// fixture reads a document of testdata/docs.
func fixture(t testing.TB, name string) Input {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return Input{Name: name, Data: data}
}

// cdxDoc makes a CycloneDX 1.6 JSON document with n components whose
// contents depend on tag, so that different tags give different bytes.
func cdxDoc(tag string, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
 "metadata": {"component": {"type": "application", "name": "agent", "version": %q}},
 "components": [`, tag)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"type": "library", "name": "pkg%d", "version": "1.%d.0", `+
			`"purl": "pkg:pypi/pkg%d@1.%d.0"}`, i, i, i, i)
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

// spdxDoc makes an SPDX 2.3 JSON document with n packages besides the
// described one.
func spdxDoc(tag string, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": %q,
 "packages": [{"SPDXID": "SPDXRef-root", "name": "agent"}`, tag)
	for i := range n {
		fmt.Fprintf(&b, `,
  {"SPDXID": "SPDXRef-p%d", "name": "pkg%d", "versionInfo": "1.%d.0"}`, i, i, i)
	}
	b.WriteString(`],
 "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", ` +
		`"relatedSpdxElement": "SPDXRef-root"}]}
`)
	return []byte(b.String())
}

// release returns the inputs of a two-document release.
func release(tag string, n int) []Input {
	return []Input{
		{Name: "sbom.cdx.json", Data: cdxDoc(tag, n)},
		{Name: "sbom.spdx.json", Data: spdxDoc(tag, n)},
	}
}

// snapshot reads every regular file under dir except the lock file.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == lockName {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func mustAdd(t testing.TB, s *Store, product, rel string, files []Input) []FileResult {
	t.Helper()
	opts := AddOptions{Product: product, Release: rel, Files: files}
	res, err := s.Add(context.Background(), opts)
	if err != nil {
		t.Fatalf("Add(%s %s): %v", product, rel, err)
	}
	return res
}
