package lockfile

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateGolden = flag.Bool("update-write", false, "rewrite lockfile/testdata/write golden files")

func TestWriteGolden(t *testing.T) {
	res := &Resolution{
		Command: "sbompipe lock --index-url=https://pypi.internal.example/simple",
		Python:  "3.12",
		IndexURLs: []string{
			"https://pypi.internal.example/simple", "https://extra.example/simple",
		},
		FindLinks: []string{"./wheels"},
		Pins: []Pin{
			{Name: "Zope.Interface", Version: "6.1", Hashes: []string{"sha256:bb", "sha256:aa"},
				Via: []string{"twisted"}},
			{Name: "pip", Version: "24.0", Hashes: []string{"sha256:cc"},
				Via: []string{"-r requirements.in"}},
			{Name: "Twisted", Version: "24.3.0", Marker: `python_version >= "3.8"`,
				Hashes: []string{"sha256:dd"},
				Via:    []string{"service", "-r requirements.in", "-c constraints.txt", "client"}},
			{Name: "local_tool", URL: "https://files.example/local_tool-1.0-py3-none-any.whl",
				Hashes: []string{"sha256:ee"}},
			{Name: "setuptools", Version: "69.5.1", Hashes: []string{"sha256:ff"},
				Via: []string{"zope-interface"}},
		},
	}
	var buf bytes.Buffer
	if err := Write(&buf, res); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "write", "pip-compile-layout.txt")
	if *updateGolden {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("Write (-want +got):\n%s", diff)
	}

	// The default index is not written; nothing else changes the bytes.
	res.IndexURLs = []string{DefaultIndexURL}
	var again bytes.Buffer
	if err := Write(&again, res); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(again.Bytes(), []byte("\n--index-url")) {
		t.Errorf("Write with the default index wrote --index-url:\n%s", again.String())
	}
}
