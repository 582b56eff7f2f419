package sbom

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdxlib"
	"github.com/spdx/tools-golang/tagvalue"
)

// spdxNamespaceBase prefixes the document namespace, which SPDX 2.3 §6.5
// wants unique per document version; the UUIDv5 of the content makes it so.
const spdxNamespaceBase = "https://spdx.org/spdxdocs/"

const noAssertion = "NOASSERTION"

// encodeSPDX returns b as SPDX 2.3 (https://spdx.github.io/spdx-spec/v2.3/)
// in JSON or tag-value, after tools-golang's document validation; with a
// spool, it writes the document there and returns nil in its place.
func encodeSPDX(b *BOM, f Format, spool io.WriterAt) ([]byte, Document, error) {
	doc := spdxDocument(b)
	if err := spdxlib.ValidateDocument(doc); err != nil {
		return nil, Document{}, fmt.Errorf("validating: %w", err)
	}

	// The namespace ends in the UUIDv5 of the document written with a
	// placeholder of the same length in its place.
	prefix := doc.DocumentNamespace
	doc.DocumentNamespace += placeholderUUID.String()
	var out []byte
	// Hashed (and spooled) as it is written, on another goroutine: the
	// JSON in pieces, the tag-value whole.
	h := newContentHash(spool)
	if f == SPDXTagValue {
		var buf bytes.Buffer
		if err := tagvalue.Write(doc, &buf); err != nil {
			h.finish()
			return nil, Document{}, err
		}
		// Tag-value has no escaping: a value that breaks the format
		// would write a document no reader takes. Read it back first.
		if _, err := tagvalue.Read(bytes.NewReader(buf.Bytes())); err != nil {
			why := "a name or value holds a line break"
			if errors.Is(err, bufio.ErrTooLong) {
				why = "a line is longer than the 64 KiB a tag-value reader takes; " +
					"write spdx-json instead"
			}
			h.finish()
			return nil, Document{}, fmt.Errorf("the tag-value document does not read back "+
				"(%v): %s", err, why)
		}
		out = buf.Bytes()
		h.write(out)
	} else {
		var err error
		if out, _, err = spdxJSON(doc, h); err != nil {
			h.finish()
			return nil, Document{}, err
		}
	}
	out, err := placeContentUUID(out, prefix, h)
	if err != nil {
		return nil, Document{}, err
	}
	return out, Document{Format: "spdx", SpecVersion: "2.3"}, nil
}

// spdxJSON returns doc as SPDX JSON: written by appendSPDXJSON when
// spdxJSONWritable says it can, else by tools-golang. fast says which.
// Every byte it writes goes to h too, when h is not nil: as
// appendSPDXJSON writes them, or all at once from tools-golang. When h
// has a spool, appendSPDXJSON hands h its buffers as it fills them, and
// returns only the last piece.
func spdxJSON(doc *spdx.Document, h *contentHash) (out []byte, fast bool, err error) {
	if spdxJSONWritable(doc) {
		var buf []byte
		if h != nil && h.spool != nil {
			buf = h.buffer() // written in pieces
		} else {
			// A package of a lockfile takes about 1.5 kB, a relationship
			// 190 bytes.
			buf = make([]byte, 0, 1600*len(doc.Packages)+200*len(doc.Relationships)+4096)
		}
		return appendSPDXJSON(buf, doc, h), true, nil
	}
	// tools-golang writes compact JSON; jsonIndenter gives the bytes of
	// spdxjson.Indent("  "), faster.
	var json jsonIndenter
	if err := spdxjson.Write(doc, &json); err != nil {
		return nil, false, err
	}
	if h != nil {
		h.write(json.out)
	}
	return json.out, false, nil
}

func spdxDocument(b *BOM) *spdx.Document {
	r := refs{spdxID: spdxIDs(b)}
	name := b.Subject.Name
	if b.Subject.Version != "" {
		name += "-" + b.Subject.Version
	}
	creators := []common.Creator{
		{CreatorType: "Tool", Creator: b.Tool.Name + "-" + b.Tool.Version},
	}
	if s := b.Subject.Supplier; s != "" {
		creators = append(creators, common.Creator{CreatorType: "Organization", Creator: s})
	}
	created := ""
	if !b.Timestamp.IsZero() {
		created = b.Timestamp.UTC().Format(time.RFC3339)
	}
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: spdxNamespaceBase + spdxIDChars(name) + "-",
		CreationInfo:      &spdx.CreationInfo{Creators: creators, Created: created},
	}

	doc.Packages = make([]*spdx.Package, 0, len(b.Components)+1)
	doc.Packages = append(doc.Packages, spdxPackage(&b.Subject, r))
	for _, c := range b.Components {
		doc.Packages = append(doc.Packages, spdxPackage(c, r))
	}

	id := func(key string) common.DocElementID {
		return common.MakeDocElementID("", strings.TrimPrefix(r.spdxID[key], "SPDXRef-"))
	}
	n := 1
	for _, d := range b.Dependencies {
		n += len(d.DependsOn)
	}
	doc.Relationships = make([]*spdx.Relationship, 0, n)
	doc.Relationships = append(doc.Relationships, &spdx.Relationship{
		RefA:         common.MakeDocElementID("", "DOCUMENT"),
		RefB:         id(b.Subject.Key),
		Relationship: common.TypeRelationshipDescribe,
	})
	for _, d := range b.Dependencies {
		from := id(d.Ref)
		for _, on := range d.DependsOn {
			doc.Relationships = append(doc.Relationships, &spdx.Relationship{
				RefA:         from,
				RefB:         id(on),
				Relationship: common.TypeRelationshipDependsOn,
			})
		}
	}

	var comment []string
	for _, inc := range b.Incomplete {
		comment = append(comment, fmt.Sprintf(
			"The dependencies recorded for %d packages are incomplete (%s).",
			len(inc.Refs), inc.Reason))
	}
	doc.DocumentComment = textValue(strings.Join(comment, "\n"))
	return doc
}

func spdxPackage(c *Component, r refs) *spdx.Package {
	id := strings.TrimPrefix(r.spdxID[c.Key], "SPDXRef-")
	p := &spdx.Package{
		PackageName:               c.Name,
		PackageSPDXIdentifier:     common.ElementID(id),
		PackageVersion:            c.Version,
		PackageSupplier:           &common.Supplier{Supplier: noAssertion},
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
		PrimaryPackagePurpose:     "LIBRARY",
	}
	if c.Kind == Application {
		p.PrimaryPackagePurpose = "APPLICATION"
	}
	if c.Supplier != "" {
		p.PackageSupplier = &common.Supplier{Supplier: c.Supplier, SupplierType: "Organization"}
	}
	if c.DownloadLocation != "" {
		p.PackageDownloadLocation = c.DownloadLocation
	}
	if c.License != "" {
		p.PackageLicenseDeclared = c.License
	}

	n := len(c.Hashes)
	for _, d := range c.Distributions {
		n += len(d.Hashes)
	}
	// The checksums a package already has: looked up in the list while it
	// is short, in a set once it is long (one entry may carry thousands).
	var seen map[common.Checksum]bool
	checksums := func(hashes []Hash) {
		for _, h := range hashes {
			alg, ok := spdxAlgorithms[h.Algorithm]
			if !ok {
				continue
			}
			ck := common.Checksum{Algorithm: alg, Value: h.Value}
			if p.PackageChecksums == nil {
				p.PackageChecksums = make([]common.Checksum, 0, n)
			}
			switch {
			case seen != nil:
				if seen[ck] {
					continue
				}
				seen[ck] = true
			case containsChecksum(p.PackageChecksums, ck):
				continue
			case len(p.PackageChecksums) == 32:
				seen = make(map[common.Checksum]bool, n)
				for _, c := range p.PackageChecksums {
					seen[c] = true
				}
				seen[ck] = true
			}
			p.PackageChecksums = append(p.PackageChecksums, ck)
		}
	}
	checksums(c.Hashes)
	for _, d := range c.Distributions {
		checksums(d.Hashes)
	}

	if c.PURL != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences,
			&spdx.PackageExternalReference{
				Category: common.CategoryPackageManager,
				RefType:  common.TypePackageManagerPURL,
				Locator:  c.PURL,
			})
	}
	if c.CPE != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences,
			&spdx.PackageExternalReference{
				Category: common.CategorySecurity,
				RefType:  common.TypeSecurityCPE23Type,
				Locator:  c.CPE,
			})
	}
	p.PackageComment = spdxComment(c)
	return p
}

var spdxAlgorithms = map[string]common.ChecksumAlgorithm{
	"SHA-1":   common.SHA1,
	"SHA-256": common.SHA256,
	"SHA-384": common.SHA384,
	"SHA-512": common.SHA512,
	"MD5":     common.MD5,
}

func containsChecksum(list []common.Checksum, ck common.Checksum) bool {
	for _, c := range list {
		if c == ck {
			return true
		}
	}
	return false
}

// spdxComment writes what SPDX has no field for: the notes, the origin of
// distribution checksums and the properties, a line each.
func spdxComment(c *Component) string {
	var sb strings.Builder
	lines := 0
	line := func(parts ...string) {
		if lines > 0 {
			sb.WriteByte('\n')
		}
		lines++
		for _, p := range parts {
			sb.WriteString(p)
		}
	}
	size := 160 // the sentence on checksums
	for _, n := range c.Notes {
		size += len(n) + 1
	}
	for _, d := range c.Distributions {
		size += len(d.URL) + 15
	}
	for _, p := range c.Properties {
		size += len(p.Name) + len(p.Value) + 3
	}
	sb.Grow(size)

	for _, n := range c.Notes {
		line(n)
	}
	if len(c.Distributions) > 0 {
		n := 0
		for _, d := range c.Distributions {
			n += len(d.Hashes)
		}
		if n > 0 {
			line("The checksums are of distribution files (wheels, sdists) " +
				"of this version that the requirements file allows; " +
				"which one is installed is not known.")
		}
		for _, d := range c.Distributions {
			line("Distribution: ", d.URL)
		}
	}
	for _, p := range c.Properties {
		line(p.Name, ": ", p.Value)
	}
	return textValue(sb.String())
}

// textValue keeps a multi-line value inside tag-value's <text>…</text>: a
// "</text>" in it (a marker may hold one in quotes) would end it early.
func textValue(s string) string {
	return strings.ReplaceAll(s, "</text>", "</ text>")
}
