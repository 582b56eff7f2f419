package sbom

import (
	"strings"

	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// appendSPDXJSON returns doc written as SPDX JSON without reflection: the
// bytes tools-golang's json.Write writes through jsonIndenter, for the
// fields spdxDocument sets, identifiers, suppliers and creators written
// as their MarshalJSON methods write them. Call it only on a document for
// which spdxJSONWritable is true. When h is not nil, it is given every
// byte of the document before appendSPDXJSON returns, most of them as
// they are written.
func appendSPDXJSON(buf []byte, doc *spdx.Document, h *contentHash) []byte {
	w := &jsonWriter{buf: buf, hash: h, hashed: len(buf)}
	w.open('{')
	w.field("spdxVersion", doc.SPDXVersion)
	w.field("dataLicense", doc.DataLicense)
	w.field("SPDXID", spdxElementID(doc.SPDXIdentifier))
	w.field("name", doc.DocumentName)
	w.field("documentNamespace", doc.DocumentNamespace)
	w.fieldOmitEmpty("comment", doc.DocumentComment)

	ci := doc.CreationInfo
	w.key("creationInfo")
	w.open('{')
	w.fieldOmitEmpty("licenseListVersion", ci.LicenseListVersion)
	w.key("creators")
	if ci.Creators == nil {
		w.null()
	} else {
		w.open('[')
		for _, c := range ci.Creators {
			w.elem()
			w.str(c.CreatorType + ": " + c.Creator)
		}
		w.close(']')
	}
	w.field("created", ci.Created)
	w.fieldOmitEmpty("comment", ci.CreatorComment)
	w.close('}')

	if len(doc.Packages) > 0 {
		objects(w, "packages", doc.Packages, func(p **spdx.Package) { spdxPackageJSON(w, *p) })
	}
	if len(doc.Relationships) > 0 {
		objects(w, "relationships", doc.Relationships, func(r **spdx.Relationship) {
			w.key("spdxElementId")
			spdxDocElementIDJSON(w, (*r).RefA)
			w.key("relatedSpdxElement")
			spdxDocElementIDJSON(w, (*r).RefB)
			w.field("relationshipType", (*r).Relationship)
			w.fieldOmitEmpty("comment", (*r).RelationshipComment)
		})
	}
	w.close('}')
	w.buf = append(w.buf, '\n')
	if h != nil {
		h.write(w.buf[w.hashed:])
	}
	return w.buf
}

// spdxPackageJSON writes the members of a package.
func spdxPackageJSON(w *jsonWriter, p *spdx.Package) {
	w.field("name", p.PackageName)
	w.key("SPDXID")
	spdxElementIDJSON(w, p.PackageSPDXIdentifier)
	w.fieldOmitEmpty("versionInfo", p.PackageVersion)
	if p.PackageSupplier != nil {
		s, _ := spdxSupplier(p.PackageSupplier)
		w.field("supplier", s)
	}
	w.field("downloadLocation", p.PackageDownloadLocation)
	w.key("filesAnalyzed")
	w.bool(p.FilesAnalyzed)
	if len(p.PackageChecksums) > 0 {
		objects(w, "checksums", p.PackageChecksums, func(c *common.Checksum) {
			w.field("algorithm", string(c.Algorithm))
			w.field("checksumValue", c.Value)
		})
	}
	w.fieldOmitEmpty("licenseConcluded", p.PackageLicenseConcluded)
	w.fieldOmitEmpty("licenseDeclared", p.PackageLicenseDeclared)
	w.fieldOmitEmpty("copyrightText", p.PackageCopyrightText)
	w.fieldOmitEmpty("comment", p.PackageComment)
	if len(p.PackageExternalReferences) > 0 {
		refs := p.PackageExternalReferences
		objects(w, "externalRefs", refs, func(r **spdx.PackageExternalReference) {
			// PackageExternalReference's MarshalJSON writes the category
			// with dashes.
			w.field("referenceCategory", strings.ReplaceAll((*r).Category, "_", "-"))
			w.field("referenceType", (*r).RefType)
			w.field("referenceLocator", (*r).Locator)
			w.fieldOmitEmpty("comment", (*r).ExternalRefComment)
		})
	}
	w.fieldOmitEmpty("primaryPackagePurpose", p.PrimaryPackagePurpose)
}

// spdxElementID is what ElementID's MarshalJSON writes.
func spdxElementID(id common.ElementID) string {
	if strings.HasPrefix(string(id), "SPDXRef-") {
		return string(id)
	}
	return "SPDXRef-" + string(id)
}

// spdxElementIDJSON writes what ElementID's MarshalJSON writes, without
// building it (a package's and two per relationship).
func spdxElementIDJSON(w *jsonWriter, id common.ElementID) {
	if strings.HasPrefix(string(id), "SPDXRef-") {
		w.str(string(id))
		return
	}
	w.strPrefixed("SPDXRef-", string(id))
}

// spdxDocElementIDJSON writes what DocElementID's MarshalJSON writes, for
// an id spdxDocElementIDWritable accepts.
func spdxDocElementIDJSON(w *jsonWriter, id common.DocElementID) {
	if id.DocumentRefID == "" && id.ElementRefID != "" {
		spdxElementIDJSON(w, id.ElementRefID)
		return
	}
	s, _ := spdxDocElementID(id)
	w.str(s)
}

// spdxDocElementIDWritable reports whether DocElementID's MarshalJSON
// writes id: whether spdxDocElementID returns true.
func spdxDocElementIDWritable(id common.DocElementID) bool {
	return id.ElementRefID != "" || id.SpecialID != ""
}

// spdxDocElementID is what DocElementID's MarshalJSON writes, or false
// where it fails.
func spdxDocElementID(id common.DocElementID) (string, bool) {
	switch {
	case id.DocumentRefID != "" && id.ElementRefID != "":
		doc := string(id.DocumentRefID)
		if !strings.HasPrefix(doc, "DocumentRef-") {
			doc = "DocumentRef-" + doc
		}
		return doc + ":" + spdxElementID(id.ElementRefID), true
	case id.ElementRefID != "":
		return spdxElementID(id.ElementRefID), true
	case id.SpecialID != "":
		return id.SpecialID, true
	}
	return "", false
}

// spdxSupplier is what Supplier's MarshalJSON writes, or false where it
// fails.
func spdxSupplier(s *common.Supplier) (string, bool) {
	switch {
	case s.Supplier == noAssertion:
		return s.Supplier, true
	case s.SupplierType != "" && s.Supplier != "":
		return s.SupplierType + ": " + s.Supplier, true
	}
	return "", false
}

// spdxJSONWritable reports whether appendSPDXJSON writes doc as
// tools-golang would: whether doc sets no field but those spdxDocument
// sets, none of them in a way whose MarshalJSON fails or that encoding/json
// writes as null. TestSPDXJSONFallback sets each other field in turn.
func spdxJSONWritable(doc *spdx.Document) bool {
	if len(doc.ExternalDocumentReferences) > 0 || len(doc.Files) > 0 ||
		len(doc.OtherLicenses) > 0 || len(doc.Annotations) > 0 || len(doc.Snippets) > 0 {
		return false
	}
	if doc.CreationInfo == nil {
		return false
	}
	for _, c := range doc.CreationInfo.Creators {
		// Creator's MarshalJSON writes nothing, which encoding/json
		// rejects, for an empty creator.
		if c.Creator == "" {
			return false
		}
	}
	for _, p := range doc.Packages {
		if p == nil || !spdxPackageWritable(p) {
			return false
		}
	}
	for _, r := range doc.Relationships {
		if r == nil {
			return false
		}
		if !spdxDocElementIDWritable(r.RefA) || !spdxDocElementIDWritable(r.RefB) {
			return false
		}
	}
	return true
}

func spdxPackageWritable(p *spdx.Package) bool {
	if p.PackageFileName != "" || p.PackageOriginator != nil ||
		p.PackageVerificationCode != nil || p.PackageHomePage != "" ||
		p.PackageSourceInfo != "" || len(p.PackageLicenseInfoFromFiles) > 0 ||
		p.PackageLicenseComments != "" || p.PackageSummary != "" ||
		p.PackageDescription != "" || len(p.PackageAttributionTexts) > 0 ||
		p.ReleaseDate != "" || p.BuiltDate != "" || p.ValidUntilDate != "" ||
		len(p.Files) > 0 || len(p.Annotations) > 0 {
		return false
	}
	if s := p.PackageSupplier; s != nil {
		if _, ok := spdxSupplier(s); !ok {
			return false
		}
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			return false
		}
	}
	return true
}
