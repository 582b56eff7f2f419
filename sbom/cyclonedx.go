package sbom

import (
	"bytes"
	"fmt"
	"io"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// cdxVersions are the CycloneDX versions Encode writes.
var cdxVersions = map[string]cdx.SpecVersion{
	"1.5": cdx.SpecVersion1_5,
	"1.6": cdx.SpecVersion1_6,
	"1.7": cdx.SpecVersion1_7,
}

// encodeCycloneDX returns b as CycloneDX (https://cyclonedx.org/docs/1.6/json/)
// in JSON or XML of the given spec version; with a spool, it writes the
// document there and returns nil in its place.
func encodeCycloneDX(b *BOM, f Format, version string, spool io.WriterAt) ([]byte, Document, error) {
	if version == "" {
		version = "1.6"
	}
	if _, ok := cdxVersions[version]; !ok {
		return nil, Document{}, fmt.Errorf(
			"unsupported CycloneDX version %q (want 1.5, 1.6 or 1.7)", version)
	}
	bom := cycloneDXVersion(b, version)
	// Hashed (and spooled) as it is written, on another goroutine: the
	// JSON in pieces, the XML whole.
	h := newContentHash(spool)
	var out []byte
	var err error
	if f == CycloneDXJSON {
		out, _, err = cycloneDXJSON(bom, h)
	} else if out, err = cycloneDXLibrary(bom, f); err == nil {
		h.write(out)
	}
	if err != nil {
		h.finish()
		return nil, Document{}, err
	}
	if out, err = placeContentUUID(out, "urn:uuid:", h); err != nil {
		return nil, Document{}, err
	}
	return out, Document{Format: "cyclonedx", SpecVersion: version}, nil
}

// cycloneDXVersion returns b as a CycloneDX BOM of version, one of
// cdxVersions, with the placeholder UUID in the serial number: the serial
// number is the UUIDv5 of the document written with a placeholder of the
// same length in its place.
func cycloneDXVersion(b *BOM, version string) *cdx.BOM {
	bom := cycloneDXBOM(b)
	bom.SerialNumber = placeholderUUID.URN()
	bom.SpecVersion = cdxVersions[version]
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-" + version + ".schema.json"
	bom.XMLNS = "http://cyclonedx.org/schema/bom/" + version
	if bom.SpecVersion < cdx.SpecVersion1_6 {
		// Licenses have an acknowledgement from 1.6 on; cyclonedx-go drops
		// a license's below it, but not an expression's.
		forEachComponent(bom, func(c *cdx.Component) {
			if c.Licenses == nil {
				return
			}
			for i := range *c.Licenses {
				(*c.Licenses)[i].Acknowledgement = nil
			}
		})
	}
	return bom
}

// forEachComponent calls f with each component of bom: the subject and the
// list (sbompipe nests none).
func forEachComponent(bom *cdx.BOM, f func(*cdx.Component)) {
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		f(bom.Metadata.Component)
	}
	if bom.Components != nil {
		for i := range *bom.Components {
			f(&(*bom.Components)[i])
		}
	}
}

// cycloneDXJSON returns bom as CycloneDX JSON of version bom.SpecVersion:
// written by appendCycloneDXJSON when cdxJSONWritable says it can, else by
// cyclonedx-go. fast says which. Every byte it writes goes to h too, when
// h is not nil: as appendCycloneDXJSON writes them, or all at once from
// cyclonedx-go. When h has a spool, appendCycloneDXJSON hands h its
// buffers as it fills them, and returns only the last piece.
func cycloneDXJSON(bom *cdx.BOM, h *contentHash) (out []byte, fast bool, err error) {
	if cdxJSONWritable(bom) {
		var buf []byte
		if h != nil && h.spool != nil {
			buf = h.buffer() // written in pieces
		} else {
			// A component of a lockfile takes about 1.4 kB.
			buf = make([]byte, 0, 1500*(lenOf(bom.Components)+1))
		}
		return appendCycloneDXJSON(buf, bom, h), true, nil
	}
	out, err = cycloneDXLibrary(bom, CycloneDXJSON)
	if err == nil && h != nil {
		h.write(out)
	}
	return out, false, err
}

// cycloneDXLibrary returns bom encoded by cyclonedx-go in format f (JSON
// or XML) of version bom.SpecVersion.
func cycloneDXLibrary(bom *cdx.BOM, f Format) ([]byte, error) {
	// JSON is written compact through jsonIndenter, which gives the bytes
	// SetPretty would, faster.
	var xml bytes.Buffer
	var json jsonIndenter
	var w io.Writer = &json
	fileFormat := cdx.BOMFileFormatJSON
	if f == CycloneDXXML {
		w = &xml
		fileFormat = cdx.BOMFileFormatXML
	}
	enc := cdx.NewBOMEncoder(w, fileFormat).SetPretty(f == CycloneDXXML)
	var err error
	if bom.SpecVersion >= cdx.SpecVersion1_6 {
		// Nothing sbompipe writes needs converting: skip the deep copy
		// EncodeVersion makes.
		err = enc.Encode(bom)
	} else {
		err = enc.EncodeVersion(bom, bom.SpecVersion)
	}
	if err != nil {
		return nil, err
	}
	if f == CycloneDXXML {
		return xml.Bytes(), nil
	}
	return json.out, nil
}

func cycloneDXBOM(b *BOM) *cdx.BOM {
	r := refs{bomRef: bomRefs(b)}
	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type:    cdx.ComponentTypeApplication,
			Name:    b.Tool.Name,
			Version: b.Tool.Version,
		}}},
		Component: new(cdx.Component),
	}
	cdxComponent(bom.Metadata.Component, &b.Subject, r)
	if !b.Timestamp.IsZero() {
		bom.Metadata.Timestamp = b.Timestamp.UTC().Format(time.RFC3339)
	}
	if s := b.Subject.Supplier; s != "" {
		bom.Metadata.Supplier = &cdx.OrganizationalEntity{Name: s}
		bom.Metadata.Authors = &[]cdx.OrganizationalContact{{Name: s}}
	}

	components := make([]cdx.Component, len(b.Components))
	for i, c := range b.Components {
		cdxComponent(&components[i], c, r)
	}
	bom.Components = &components

	deps := make([]cdx.Dependency, 0, len(b.Components)+1)
	edges := map[string][]string{}
	for _, d := range b.Dependencies {
		edges[d.Ref] = d.DependsOn
	}
	for _, c := range append([]*Component{&b.Subject}, b.Components...) {
		d := cdx.Dependency{Ref: r.bomRef[c.Key]}
		if on := edges[c.Key]; len(on) > 0 {
			refs := make([]string, len(on))
			for i, k := range on {
				refs[i] = r.bomRef[k]
			}
			d.Dependencies = &refs
		}
		deps = append(deps, d)
	}
	bom.Dependencies = &deps

	if len(b.Incomplete) > 0 {
		comps := make([]cdx.Composition, len(b.Incomplete))
		for i, inc := range b.Incomplete {
			refs := make([]cdx.BOMReference, len(inc.Refs))
			for j, k := range inc.Refs {
				refs[j] = cdx.BOMReference(r.bomRef[k])
			}
			comps[i] = cdx.Composition{
				Aggregate:    cdx.CompositionAggregateIncomplete,
				Dependencies: &refs,
			}
		}
		bom.Compositions = &comps
	}
	return bom
}

// cdxComponent fills out, a zero component, with c. (In place: a
// cdx.Component is large, and copying 30,000 of them into the list took
// a third of cycloneDXBOM.)
func cdxComponent(out *cdx.Component, c *Component, r refs) {
	out.BOMRef = r.bomRef[c.Key]
	out.Type = cdx.ComponentTypeLibrary
	out.Name = c.Name
	out.Version = c.Version
	out.PackageURL = c.PURL
	out.CPE = c.CPE
	if c.Kind == Application {
		out.Type = cdx.ComponentTypeApplication
	}
	if c.Supplier != "" {
		out.Supplier = &cdx.OrganizationalEntity{Name: c.Supplier}
	}
	if len(c.Hashes) > 0 {
		out.Hashes = cdxHashes(c.Hashes)
	}
	if c.License != "" {
		ack := cdx.LicenseAcknowledgementDeclared
		choice := cdx.LicenseChoice{Expression: c.License, Acknowledgement: &ack}
		if isLicenseID(c.License) {
			choice = cdx.LicenseChoice{License: &cdx.License{ID: c.License, Acknowledgement: ack}}
		}
		out.Licenses = &cdx.Licenses{choice}
	}

	var ext []cdx.ExternalReference
	for _, d := range c.Distributions {
		e := cdx.ExternalReference{URL: d.URL, Type: cdx.ERTypeDistribution, Comment: d.Comment}
		if d.VCS {
			e.Type = cdx.ERTypeVCS
		}
		if len(d.Hashes) > 0 {
			e.Hashes = cdxHashes(d.Hashes)
		}
		ext = append(ext, e)
	}
	if c.DownloadLocation != "" && len(c.Distributions) == 0 {
		ext = append(ext,
			cdx.ExternalReference{URL: c.DownloadLocation, Type: cdx.ERTypeDistribution})
	}
	if len(ext) > 0 {
		out.ExternalReferences = &ext
	}

	props := make([]cdx.Property, 0, len(c.Properties)+len(c.Notes))
	for _, p := range c.Properties {
		props = append(props, cdx.Property{Name: p.Name, Value: p.Value})
	}
	for _, n := range c.Notes {
		props = append(props, cdx.Property{Name: "sbompipe:note", Value: n})
	}
	if len(props) > 0 {
		out.Properties = &props
	}
}

func cdxHashes(hs []Hash) *[]cdx.Hash {
	out := make([]cdx.Hash, len(hs))
	for i, h := range hs {
		out[i] = cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value}
	}
	return &out
}

//go:generate go run gen_cdxlicenses.go

// isLicenseID reports whether an SPDX expression is a single identifier
// that CycloneDX accepts as a license id. The schema lists the ids of one
// SPDX License List version (cdxLicenseIDs); a newer id is written as an
// expression, which any SPDX identifier may be.
func isLicenseID(expr string) bool {
	return cdxLicenseIDs[expr]
}
