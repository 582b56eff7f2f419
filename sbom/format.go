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
	out, doc, err := encode(b, f, opts)
	if err != nil {
		return Document{}, err
	}
	if _, err := w.Write(out); err != nil {
		return Document{}, err
	}
	return doc, nil
}

// encode returns what Encode writes, for a BOM checkRefs accepted.
func encode(b *BOM, f Format, opts EncodeOptions) ([]byte, Document, error) {
	var (
		out []byte
		doc Document
		err error
	)
	switch f {
	case CycloneDXJSON, CycloneDXXML:
		out, doc, err = encodeCycloneDX(b, f, opts.CycloneDXVersion)
	case SPDXJSON, SPDXTagValue:
		out, doc, err = encodeSPDX(b, f)
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
			out, doc, err := encode(b, f, opts)
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

// contentUUID returns the UUIDv5 of a document's bytes.
func contentUUID(content []byte) uuid.UUID {
	return uuid.NewSHA1(contentNamespace, content)
}

// contentHash computes contentUUID of a document from its pieces, on a
// goroutine of its own, while the rest of the document is still being
// written: the SHA-1 of a large document then no longer follows its
// writing. A piece must not change once written.
type contentHash struct {
	pieces chan []byte
	id     chan uuid.UUID
}

func newContentHash() *contentHash {
	h := &contentHash{pieces: make(chan []byte, 64), id: make(chan uuid.UUID, 1)}
	go func() {
		sum := sha1.New()
		sum.Write(contentNamespace[:])
		for p := range h.pieces {
			sum.Write(p)
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

// finish waits for the hash of every piece written and returns its UUID.
// Call it once, also when the document is abandoned, to end the goroutine.
func (h *contentHash) finish() uuid.UUID {
	close(h.pieces)
	return <-h.id
}

// placeholderUUID stands in for a content-derived UUID while the content
// is hashed.
var placeholderUUID = uuid.NewSHA1(uuid.NameSpaceURL,
	[]byte("https://github.com/sentrikat/sbompipe#placeholder"))

// replacePlaceholder writes id over the placeholder UUID that follows the
// first occurrence of prefix in doc. The prefix is chosen so that its first
// occurrence is the serial number or namespace, ahead of any text taken
// from the inputs.
func replacePlaceholder(doc []byte, prefix string, id uuid.UUID) error {
	marker := []byte(prefix + placeholderUUID.String())
	i := bytes.Index(doc, marker)
	if i < 0 {
		return fmt.Errorf("the document lost its placeholder UUID")
	}
	copy(doc[i+len(prefix):], id.String())
	return nil
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
