package sbom

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/sentrikat/sbompipe/internal/benchinput"
)

// contentHash, given a document in pieces, gives contentUUID of the whole.
func TestContentHash(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 63, 64, 1000, 3 << 20} {
		doc := make([]byte, size)
		for i := range doc {
			doc[i] = byte(r.IntN(256))
		}
		h := newContentHash()
		for rest := doc; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(1<<20))
			h.write(rest[:n])
			rest = rest[n:]
		}
		if got, want := h.finish(), contentUUID(doc); got != want {
			t.Errorf("contentHash of %d bytes in pieces = %s, want %s", size, got, want)
		}
	}
}

// The namespace of an SPDX document large enough to be hashed in pieces
// while it is written is the UUID of the whole, as for a small one.
func TestSPDXNamespaceOfLargeDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "requirements.txt")
	writeGenerated(t, path, benchinput.Requirements{Entries: 3000, Seed: 7})
	b, err := Collect(context.Background(), Inputs{Subject: Subject{Name: "big"},
		Python: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := encode(b, SPDXJSON, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 4*hashPiece {
		t.Fatalf("the document has %d bytes: too few to be hashed in pieces", len(out))
	}
	prefix := []byte(spdxNamespaceBase + "big-")
	i := bytes.Index(out, prefix)
	if i < 0 {
		t.Fatalf("no namespace %s… in the document", prefix)
	}
	start := i + len(prefix)
	id := string(out[start : start+36])
	withPlaceholder := bytes.Clone(out)
	copy(withPlaceholder[start:], placeholderUUID.String())
	if want := contentUUID(withPlaceholder).String(); id != want {
		t.Errorf("namespace ends in %s, want %s (the UUID of the document)", id, want)
	}
}
