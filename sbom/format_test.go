package sbom

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/sentrikat/sbompipe/internal/benchinput"
)

// contentHash, given a document in pieces, gives contentUUID of the whole,
// and writes the whole to its spool.
func TestContentHash(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 63, 64, 1000, 3 << 20} {
		doc := make([]byte, size)
		for i := range doc {
			doc[i] = byte(r.IntN(256))
		}
		spool := &memSpool{}
		h := newContentHash(spool)
		for rest := doc; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(1<<20))
			h.write(rest[:n])
			rest = rest[n:]
		}
		got, err := h.finish()
		if err != nil {
			t.Fatal(err)
		}
		if want := contentUUID(doc); got != want {
			t.Errorf("contentHash of %d bytes in pieces = %s, want %s", size, got, want)
		}
		if !bytes.Equal(spool.buf, doc) {
			t.Errorf("the spool of %d bytes in pieces holds %d bytes, not the document", size, len(spool.buf))
		}
	}
}

// contentUUID is the UUIDv5 of a whole document, with which the tests
// compare what contentHash makes of its pieces.
func contentUUID(content []byte) uuid.UUID {
	return uuid.NewSHA1(contentNamespace, content)
}

// memSpool is a spool in memory. After fail bytes (when not 0), it fails.
type memSpool struct {
	mu     sync.Mutex
	buf    []byte
	writes int
	fail   int
}

func (s *memSpool) WriteAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.fail > 0 && int(off)+len(p) > s.fail {
		return 0, errors.New("disk full")
	}
	if end := int(off) + len(p); end > len(s.buf) {
		s.buf = append(s.buf, make([]byte, end-len(s.buf))...)
	}
	copy(s.buf[off:], p)
	return len(p), nil
}

// A spooled document is the document encode returns, in every format,
// small (written whole at the end) and large (written in pieces while
// it is encoded, its UUID last); a spool that fails fails the encoding.
func TestEncodeSpool(t *testing.T) {
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.txt"), filepath.Join(dir, "large.txt")
	writeGenerated(t, small, benchinput.Requirements{Entries: 3, Seed: 7})
	writeGenerated(t, large, benchinput.Requirements{Entries: 2000, Seed: 7})
	for _, path := range []string{small, large} {
		b, err := Collect(context.Background(), Inputs{Subject: Subject{Name: "spooled", Version: "v1"},
			Python: []string{path}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []Format{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue} {
			spool := &memSpool{}
			out, _, err := encode(b, f, EncodeOptions{}, spool)
			if err != nil {
				t.Fatalf("%s, %s: %v", filepath.Base(path), f, err)
			}
			if out != nil {
				t.Errorf("%s, %s: encode with a spool returned %d bytes, want nil", filepath.Base(path), f, len(out))
			}
			want, _, err := encode(b, f, EncodeOptions{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(spool.buf, want) {
				t.Errorf("%s, %s: the spool holds %d bytes that are not the document's %d",
					filepath.Base(path), f, len(spool.buf), len(want))
			}
			if path == large && (f == CycloneDXJSON || f == SPDXJSON) && spool.writes < 4 {
				t.Errorf("%s, %s: %d writes to the spool for %d bytes; want it written in pieces",
					filepath.Base(path), f, spool.writes, len(want))
			}
			failing := &memSpool{fail: len(want) / 2}
			if _, _, err := encode(b, f, EncodeOptions{}, failing); err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("%s, %s: a spool that fails half way: err = %v, want disk full",
					filepath.Base(path), f, err)
			}
		}
	}
}

// EncodeEach asks Spool for each format's writer, and a Spool that fails
// fails that format.
func TestEncodeEachSpool(t *testing.T) {
	b := &BOM{Subject: Component{Key: "app", Name: "app", Version: "v1"}}
	formats := []Format{CycloneDXJSON, SPDXJSON}
	spools := make([]*memSpool, len(formats))
	opts := EncodeOptions{Spool: func(i int) (io.WriterAt, error) {
		spools[i] = &memSpool{}
		return spools[i], nil
	}}
	want, _, err := EncodeAll(b, formats, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = EncodeEach(b, formats, opts, func(i int, out []byte, _ Document) error {
		if out != nil {
			t.Errorf("%s: done was given %d bytes; want nil, the document is in the spool", formats[i], len(out))
		}
		if !bytes.Equal(spools[i].buf, want[i]) {
			t.Errorf("%s: when done is called the spool holds %d bytes, not the document's %d",
				formats[i], len(spools[i].buf), len(want[i]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	opts.Spool = func(i int) (io.WriterAt, error) {
		if i == 1 {
			return nil, errors.New("no room")
		}
		return &memSpool{}, nil
	}
	called := 0
	err = EncodeEach(b, formats, opts, func(int, []byte, Document) error { called++; return nil })
	if err == nil || err.Error() != "no room" || called != 1 {
		t.Errorf("a Spool that fails for the second format: err = %v after %d calls of done; want no room after 1", err, called)
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
	out, _, err := encode(b, SPDXJSON, EncodeOptions{}, nil)
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
