package sbom

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Format is an output format.
type Format string

// The formats Encode writes.
const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
)

// Formats lists every format, in the order of the documentation.
var Formats = []Format{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q "+
		"(want one of cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value)", s)
}

// Extension returns the file name extension of f, dot included.
func (f Format) Extension() string {
	switch f {
	case CycloneDXJSON:
		return ".cdx.json"
	case CycloneDXXML:
		return ".cdx.xml"
	case SPDXJSON:
		return ".spdx.json"
	case SPDXTagValue:
		return ".spdx"
	}
	return ""
}

// MediaType returns the IANA media type of f.
func (f Format) MediaType() string {
	switch f {
	case CycloneDXJSON:
		return "application/vnd.cyclonedx+json"
	case CycloneDXXML:
		return "application/vnd.cyclonedx+xml"
	case SPDXJSON:
		return "application/spdx+json"
	case SPDXTagValue:
		return "text/spdx"
	}
	return ""
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileName returns the name of the document of product at version in
// format f: "<product>_<version><extension>", or "<product><extension>"
// without a version, every character outside [A-Za-z0-9._-] replaced by
// "-" and no leading dot.
func FileName(product, version string, f Format) string {
	name := unsafeFileChars.ReplaceAllString(product, "-")
	if version != "" {
		name += "_" + unsafeFileChars.ReplaceAllString(version, "-")
	}
	name = strings.TrimLeft(name, ".")
	if name == "" {
		name = "sbom"
	}
	return name + f.Extension()
}

// EncodeOptions choose details of the encoding. The zero value is the
// default.
type EncodeOptions struct {
	// CycloneDXVersion is "1.5", "1.6" or "1.7"; "" means "1.6".
	CycloneDXVersion string

	// Spool, when set, gives EncodeEach a writer for the document of
	// formats[i], which is given the document's bytes while it is still
	// being encoded (a large one in pieces of hashPiece bytes or more, at
	// their offsets), and the serial number or namespace at the end, once
	// the rest is known. A large JSON document is then never whole in
	// memory, and done is given nil in place of its bytes: when EncodeEach
	// calls done, the writer holds every byte of the document. When
	// encoding fails it may hold part of it. Spool is called once per
	// format, on the goroutine that encodes it; an error from it or from
	// the writer ends that document's encoding with the error.
	Spool func(i int) (io.WriterAt, error)
}

// Document describes an encoded document, as the archive index lists it.
type Document struct {
	// Format is "cyclonedx" or "spdx".
	Format string
	// SpecVersion is the specification version: "1.6", "2.3".
	SpecVersion string
	// MediaType is the IANA media type of the encoding.
	MediaType string
	// Components counts the components, the subject included.
	Components int
}

// Encode writes b to w in format f. It checks first that every reference
// in the document resolves, and writes nothing when one does not. The
// output depends only on b: the CycloneDX serial number and the SPDX
// document namespace are UUIDv5 of the rest of the document.
func Encode(w io.Writer, b *BOM, f Format, opts EncodeOptions) (Document, error) {
	if err := checkRefs(b); err != nil {
		return Document{}, err
	}
	out, doc, err := encode(b, f, opts, nil)
	if err != nil {
		return Document{}, err
	}
	if _, err := w.Write(out); err != nil {
		return Document{}, err
	}
	return doc, nil
}

// encode returns what Encode writes, for a BOM checkRefs accepted; with a
// spool, it writes it there and returns nil in its place (see
// EncodeOptions.Spool).
func encode(b *BOM, f Format, opts EncodeOptions, spool io.WriterAt) ([]byte, Document, error) {
	var (
		out []byte
		doc Document
		err error
	)
	switch f {
	case CycloneDXJSON, CycloneDXXML:
		out, doc, err = encodeCycloneDX(b, f, opts.CycloneDXVersion, spool)
	case SPDXJSON, SPDXTagValue:
		out, doc, err = encodeSPDX(b, f, spool)
	default:
		return nil, Document{}, fmt.Errorf("encoding: unknown format %q", f)
	}
	if err != nil {
		return nil, Document{}, fmt.Errorf("encoding %s: %w", f, err)
	}
	doc.MediaType = f.MediaType()
	doc.Components = b.Count()
	return out, doc, nil
}

// EncodeAll encodes b in each of formats, at the same time, and returns
// the documents in the order of formats. It returns the first error in
// that order, as Encode returns it, and no documents when one fails.
func EncodeAll(b *BOM, formats []Format, opts EncodeOptions) ([][]byte, []Document, error) {
	out := make([][]byte, len(formats))
	docs := make([]Document, len(formats))
	err := EncodeEach(b, formats, opts, func(i int, data []byte, doc Document) error {
		out[i], docs[i] = data, doc
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, docs, nil
}

// EncodeEach encodes b in each of formats, at the same time, and calls
// done with the index in formats of each document as soon as that
// document is encoded: a caller can write one while the others are
// still being encoded. done runs on the goroutine that encoded the
// document, so calls for different formats may overlap. EncodeEach
// returns when every call has returned: the first error in the order of
// formats, from encoding (as Encode returns it, and then done is not
// called for that format) or from done.
func EncodeEach(b *BOM, formats []Format, opts EncodeOptions,
	done func(i int, out []byte, doc Document) error) error {
	if err := checkRefs(b); err != nil {
		return err
	}
	errs := make([]error, len(formats))
	var wg sync.WaitGroup
	for i, f := range formats {
		wg.Go(func() {
			var spool io.WriterAt
			if opts.Spool != nil {
				var err error
				if spool, err = opts.Spool(i); err != nil {
					errs[i] = err
					return
				}
			}
			out, doc, err := encode(b, f, opts, spool)
			if err == nil {
				err = done(i, out, doc)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// contentNamespace is the UUIDv5 namespace of serial numbers and document
// namespaces derived from content.
var contentNamespace = uuid.NewSHA1(uuid.NameSpaceURL,
	[]byte("https://github.com/sentrikat/sbompipe#content"))

// contentHash computes the UUIDv5 in contentNamespace of a document (what
// uuid.NewSHA1 gives of the whole) from its pieces, on a
// goroutine of its own, while the rest of the document is still being
// written: the SHA-1 of a large document then no longer follows its
// writing. A piece must not change once written.
//
// With a spool, the same goroutine writes each piece to it after hashing
// it, at its offset, and keeps the first piece, which holds the
// placeholder UUID (the header of every document sbompipe writes comes
// before its first piece ends); the others it gives back to the writer
// through buffer, which then need not keep the document in memory.
type contentHash struct {
	pieces chan []byte
	id     chan uuid.UUID

	spool io.WriterAt
	free  chan []byte // pieces written to spool, emptied, for buffer
	// Set by the goroutine; read after id is received.
	first   []byte // the first piece written to spool
	spooled int64  // bytes written to spool
	err     error  // the first error of spool
}

func newContentHash(spool io.WriterAt) *contentHash {
	h := &contentHash{pieces: make(chan []byte, 64), id: make(chan uuid.UUID, 1), spool: spool}
	if spool != nil {
		h.free = make(chan []byte, 4)
	}
	go func() {
		sum := sha1.New()
		sum.Write(contentNamespace[:])
		for p := range h.pieces {
			sum.Write(p)
			if h.spool == nil {
				continue
			}
			if h.err == nil {
				_, h.err = h.spool.WriteAt(p, h.spooled)
				h.spooled += int64(len(p))
			}
			if h.first == nil {
				h.first = p
				continue
			}
			select {
			case h.free <- p[:0]:
			default:
			}
		}
		// What uuid.NewSHA1 makes of the digest.
		var id uuid.UUID
		copy(id[:], sum.Sum(nil))
		id[6] = id[6]&0x0f | 0x50 // version 5
		id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
		h.id <- id
	}()
	return h
}

// write hands the next piece of the document to the hash.
func (h *contentHash) write(p []byte) {
	if len(p) > 0 {
		h.pieces <- p
	}
}

// buffer returns an empty buffer for the next piece: one the spool is done
// with, or a new one.
func (h *contentHash) buffer() []byte {
	select {
	case b := <-h.free:
		return b
	default:
		return make([]byte, 0, 2*hashPiece)
	}
}

// finish waits for the hash of every piece written and returns its UUID,
// and the first error of the spool. Call it once, also when the document
// is abandoned, to end the goroutine.
func (h *contentHash) finish() (uuid.UUID, error) {
	close(h.pieces)
	id := <-h.id
	return id, h.err
}

// placeContentUUID finishes h, which was given every byte of doc, and
// writes its UUID over the placeholder after prefix: in doc, or, with a
// spool, in the spool (doc is then only the last piece, and nil is
// returned in its place).
func placeContentUUID(doc []byte, prefix string, h *contentHash) ([]byte, error) {
	id, err := h.finish()
	if err != nil {
		return nil, err
	}
	if h.spool == nil {
		_, err := replacePlaceholder(doc, prefix, id)
		return doc, err
	}
	at, err := replacePlaceholder(h.first, prefix, id)
	if err != nil {
		return nil, err
	}
	_, err = h.spool.WriteAt(h.first[at:at+len(id.String())], int64(at))
	return nil, err
}

// placeholderUUID stands in for a content-derived UUID while the content
// is hashed.
var placeholderUUID = uuid.NewSHA1(uuid.NameSpaceURL,
	[]byte("https://github.com/sentrikat/sbompipe#placeholder"))

// replacePlaceholder writes id over the placeholder UUID that follows the
// first occurrence of prefix in doc, and returns the UUID's offset. The
// prefix is chosen so that its first occurrence is the serial number or
// namespace, ahead of any text taken from the inputs.
func replacePlaceholder(doc []byte, prefix string, id uuid.UUID) (int, error) {
	marker := []byte(prefix + placeholderUUID.String())
	i := bytes.Index(doc, marker)
	if i < 0 {
		return 0, fmt.Errorf("the document lost its placeholder UUID")
	}
	copy(doc[i+len(prefix):], id.String())
	return i + len(prefix), nil
}

// checkRefs reports an edge or composition that names a component the BOM
// does not have.
func checkRefs(b *BOM) error {
	known := make(map[string]bool, len(b.Components)+1)
	known[b.Subject.Key] = true
	for _, c := range b.Components {
		if known[c.Key] {
			return fmt.Errorf("checking references: two components have the key %q", c.Key)
		}
		known[c.Key] = true
	}
	for _, d := range b.Dependencies {
		for _, ref := range append([]string{d.Ref}, d.DependsOn...) {
			if !known[ref] {
				return fmt.Errorf("checking references: dependency on unknown component %q", ref)
			}
		}
	}
	for _, inc := range b.Incomplete {
		for _, ref := range inc.Refs {
			if !known[ref] {
				return fmt.Errorf("checking references: composition names unknown component %q",
					ref)
			}
		}
	}
	return nil
}
