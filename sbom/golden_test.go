package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenInputs are the small Python and Go inventory of testdata/golden,
// read offline and without licenses.
func goldenInputs() Inputs {
	in := filepath.Join("testdata", "golden", "input")
	return Inputs{
		Python:     []string{filepath.Join(in, "requirements.txt")},
		GoModules:  []string{filepath.Join(in, "gomod")},
		Offline:    true,
		NoLicenses: true,
	}
}

// TestGolden encodes a small Python and Go inventory in every format and
// compares the bytes with testdata/golden. Run with -update to rewrite them
// after a deliberate change, and review the diff.
func TestGolden(t *testing.T) {
	b := collectTest(t, goldenInputs())
	for key, got := range encodeAll(t, b) {
		path := filepath.Join("testdata", "golden", key+goldenExt(key))
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file %s; run go test -update and review the diff",
				key, path)
		}
	}
}

func goldenExt(key string) string {
	for _, f := range Formats {
		if len(key) >= len(f) && key[:len(f)] == string(f) {
			return f.Extension()
		}
	}
	return ""
}

// TestDeterministic encodes the same inputs twice, collected separately,
// and wants the same bytes.
func TestDeterministic(t *testing.T) {
	in := Inputs{GoModules: []string{testparts.Shared(t, "corpus/gomod/goreleaser-head")},
		Python: []string{filepath.Join(
			testparts.Shared(t, "corpus/requirements/treeherder-common"), "requirements.txt")},
		Offline: true, NoLicenses: true}
	first := encodeAll(t, collectTest(t, in))
	second := encodeAll(t, collectTest(t, in))
	for key := range first {
		if !bytes.Equal(first[key], second[key]) {
			t.Errorf("%s: two runs gave different bytes", key)
		}
	}
}

// TestEncodeAll encodes the golden inputs in every format at once and
// wants the bytes Encode writes for each alone (run it with -race: the
// encoders share the BOM). An unknown format fails the whole call.
func TestEncodeAll(t *testing.T) {
	b := collectTest(t, goldenInputs())
	docs, meta, err := EncodeAll(b, Formats, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range Formats {
		var buf bytes.Buffer
		want, err := Encode(&buf, b, f, EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(docs[i], buf.Bytes()) || meta[i] != want {
			t.Errorf("EncodeAll: %s differs from Encode's (%+v, want %+v)", f, meta[i], want)
		}
	}
	docs, _, err = EncodeAll(b, []Format{CycloneDXJSON, "pdf"}, EncodeOptions{})
	if err == nil || docs != nil {
		t.Errorf("EncodeAll with an unknown format = %d documents, %v; want none and an error",
			len(docs), err)
	}
}
