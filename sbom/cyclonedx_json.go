package sbom

import (
	"encoding/xml"
	"slices"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// cdxJSON writes a *cdx.BOM as CycloneDX JSON without reflection: the
// bytes cyclonedx-go's JSON encoder writes with SetPretty(true), for the
// fields cycloneDXBOM sets. cdxJSONWritable says whether a BOM holds only
// those; any other goes through cyclonedx-go.
//
// Below 1.6, Encode goes through EncodeVersion, which writes a converted
// copy of the BOM: the copy (a gob round trip) drops lists that are empty,
// and the conversion drops what the older version lacks.
type cdxJSON struct {
	w jsonWriter
	// converted is set below 1.6.
	converted bool
}

// appendCycloneDXJSON returns bom written as CycloneDX JSON of version
// bom.SpecVersion, and gives every byte it writes to h when h is not nil.
// Call it only on a BOM for which cdxJSONWritable is true.
func appendCycloneDXJSON(buf []byte, bom *cdx.BOM, h *contentHash) []byte {
	e := cdxJSON{w: jsonWriter{buf: buf, hash: h},
		converted: bom.SpecVersion < cdx.SpecVersion1_6}
	w := &e.w
	w.open('{')
	w.fieldOmitEmpty("$schema", bom.JSONSchema)
	w.field("bomFormat", bom.BOMFormat)
	w.field("specVersion", bom.SpecVersion.String())
	w.fieldOmitEmpty("serialNumber", bom.SerialNumber)
	w.key("version")
	w.int(bom.Version)
	if bom.Metadata != nil {
		w.key("metadata")
		w.open('{')
		e.metadata(bom.Metadata)
		w.close('}')
	}
	if e.has(bom.Components != nil, lenOf(bom.Components)) {
		e.components("components", *bom.Components, true)
	}
	if e.has(bom.Dependencies != nil, lenOf(bom.Dependencies)) {
		objects(w, "dependencies", *bom.Dependencies, func(d *cdx.Dependency) {
			w.field("ref", d.Ref)
			if e.has(d.Dependencies != nil, lenOf(d.Dependencies)) {
				w.key("dependsOn")
				writeStrings(w, *d.Dependencies)
			}
		})
	}
	if e.has(bom.Compositions != nil, lenOf(bom.Compositions)) {
		objects(w, "compositions", *bom.Compositions, func(c *cdx.Composition) {
			w.field("aggregate", string(c.Aggregate))
			if e.has(c.Dependencies != nil, lenOf(c.Dependencies)) {
				w.key("dependencies")
				writeStrings(w, *c.Dependencies)
			}
		})
	}
	w.close('}')
	w.buf = append(w.buf, '\n')
	if h != nil {
		h.write(w.buf[w.hashed:])
	}
	return w.buf
}

// has reports whether a list tagged omitempty behind a pointer is written:
// when the pointer is set, and below 1.6 only when the list is not empty.
func (e *cdxJSON) has(set bool, n int) bool {
	return set && (n > 0 || !e.converted)
}

func lenOf[E any](p *[]E) int {
	if p == nil {
		return 0
	}
	return len(*p)
}

func (e *cdxJSON) metadata(m *cdx.Metadata) {
	w := &e.w
	w.fieldOmitEmpty("timestamp", m.Timestamp)
	if m.Tools != nil {
		// ToolsChoice's MarshalJSON: an object of components.
		w.key("tools")
		w.open('{')
		e.components("components", *m.Tools.Components, false)
		w.close('}')
	}
	if e.has(m.Authors != nil, lenOf(m.Authors)) {
		objects(w, "authors", *m.Authors, func(a *cdx.OrganizationalContact) {
			w.fieldOmitEmpty("name", a.Name)
		})
	}
	if m.Component != nil {
		w.key("component")
		w.open('{')
		e.component(m.Component, true)
		w.close('}')
	}
	if m.Supplier != nil {
		e.entity("supplier", m.Supplier)
	}
}

// components writes the member k, a list of components; convert says
// whether the conversion below 1.6 applies to them (tools are not
// converted).
func (e *cdxJSON) components(k string, cs []cdx.Component, convert bool) {
	objects(&e.w, k, cs, func(c *cdx.Component) { e.component(c, convert) })
}

// component writes the members of a component.
func (e *cdxJSON) component(c *cdx.Component, convert bool) {
	w := &e.w
	w.fieldOmitEmpty("bom-ref", c.BOMRef)
	w.field("type", string(c.Type))
	if c.Supplier != nil {
		e.entity("supplier", c.Supplier)
	}
	w.field("name", c.Name)
	w.fieldOmitEmpty("version", c.Version)
	if e.has(c.Hashes != nil, lenOf(c.Hashes)) {
		e.hashes(*c.Hashes)
	}
	if c.Licenses != nil && e.has(true, len(*c.Licenses)) {
		e.licenses(*c.Licenses, convert && e.converted)
	}
	w.fieldOmitEmpty("cpe", c.CPE)
	w.fieldOmitEmpty("purl", c.PackageURL)
	if e.has(c.ExternalReferences != nil, lenOf(c.ExternalReferences)) {
		objects(w, "externalReferences", *c.ExternalReferences, func(x *cdx.ExternalReference) {
			w.field("url", x.URL)
			w.fieldOmitEmpty("comment", x.Comment)
			if e.has(x.Hashes != nil, lenOf(x.Hashes)) {
				e.hashes(*x.Hashes)
			}
			w.field("type", string(x.Type))
		})
	}
	if e.has(c.Properties != nil, lenOf(c.Properties)) {
		objects(w, "properties", *c.Properties, func(p *cdx.Property) {
			w.field("name", p.Name)
			w.field("value", p.Value)
		})
	}
}

func (e *cdxJSON) entity(k string, o *cdx.OrganizationalEntity) {
	e.w.key(k)
	e.w.open('{')
	e.w.field("name", o.Name)
	e.w.close('}')
}

func (e *cdxJSON) hashes(hs []cdx.Hash) {
	objects(&e.w, "hashes", hs, func(h *cdx.Hash) {
		e.w.field("alg", string(h.Algorithm))
		e.w.field("content", h.Value)
	})
}

// licenses writes a component's licenses; dropAck drops the
// acknowledgement of a license, which 1.5 lacks (that of an expression
// stays, as cyclonedx-go's conversion leaves it).
func (e *cdxJSON) licenses(ls cdx.Licenses, dropAck bool) {
	w := &e.w
	objects(w, "licenses", ls, func(l *cdx.LicenseChoice) {
		if l.License != nil {
			// License's MarshalJSON: the struct, once it has an id or a
			// name.
			w.key("license")
			w.open('{')
			w.fieldOmitEmpty("id", l.License.ID)
			w.fieldOmitEmpty("name", l.License.Name)
			if !dropAck {
				w.fieldOmitEmpty("acknowledgement", string(l.License.Acknowledgement))
			}
			w.close('}')
		}
		w.fieldOmitEmpty("expression", l.Expression)
		if l.Acknowledgement != nil {
			w.field("acknowledgement", string(*l.Acknowledgement))
		}
	})
}

// cdxJSONWritable reports whether appendCycloneDXJSON writes bom as
// cyclonedx-go would: whether bom sets no field but those cycloneDXBOM
// sets, and, below 1.6, only values the conversion to that version keeps
// as they are. Each check clears the fields the writer writes from a copy
// and wants the zero value: a field cyclonedx-go adds is caught too.
func cdxJSONWritable(bom *cdx.BOM) bool {
	converted := bom.SpecVersion < cdx.SpecVersion1_6
	rest := *bom
	rest.XMLName, rest.XMLNS = xml.Name{}, "" // not in JSON
	rest.JSONSchema, rest.BOMFormat, rest.SpecVersion = "", "", 0
	rest.SerialNumber, rest.Version = "", 0
	rest.Metadata, rest.Components, rest.Dependencies, rest.Compositions = nil, nil, nil, nil
	if rest != (cdx.BOM{}) || bom.SpecVersion < cdx.SpecVersion1_5 {
		return false
	}
	if converted && bom.JSONSchema !=
		"http://cyclonedx.org/schema/bom-"+bom.SpecVersion.String()+".schema.json" {
		return false
	}
	if m := bom.Metadata; m != nil && !cdxMetadataWritable(m, converted) {
		return false
	}
	if bom.Components != nil && !cdxComponentsWritable(*bom.Components, converted) {
		return false
	}
	if bom.Dependencies != nil {
		for _, d := range *bom.Dependencies {
			d.Ref, d.Dependencies = "", nil
			if d != (cdx.Dependency{}) {
				return false
			}
		}
	}
	if bom.Compositions != nil {
		for _, c := range *bom.Compositions {
			c.Aggregate, c.Dependencies = "", nil
			if c != (cdx.Composition{}) {
				return false
			}
		}
	}
	return true
}

func cdxMetadataWritable(m *cdx.Metadata, converted bool) bool {
	rest := *m
	rest.Timestamp, rest.Tools, rest.Authors = "", nil, nil
	rest.Component, rest.Supplier = nil, nil
	if rest != (cdx.Metadata{}) || converted && *m == (cdx.Metadata{}) {
		return false
	}
	if t := m.Tools; t != nil {
		// ToolsChoice's MarshalJSON fails without components, which the
		// copy below 1.6 loses when the list is empty.
		if t.Tools != nil || t.Services != nil || t.Components == nil ||
			converted && len(*t.Components) == 0 {
			return false
		}
		if !cdxComponentsWritable(*t.Components, converted) {
			return false
		}
	}
	if m.Authors != nil {
		for _, a := range *m.Authors {
			if a != (cdx.OrganizationalContact{Name: a.Name}) {
				return false
			}
		}
	}
	if c := m.Component; c != nil && !cdxComponentsWritable([]cdx.Component{*c}, converted) {
		return false
	}
	return cdxEntityWritable(m.Supplier, converted)
}

// cdxComponentsWritable checks components. Below 1.6 it checks tools as
// if the conversion applied to them too, which is stricter.
func cdxComponentsWritable(cs []cdx.Component, convert bool) bool {
	for i := range cs {
		c := &cs[i]
		rest := *c
		rest.BOMRef, rest.Type, rest.Supplier, rest.Name, rest.Version = "", "", nil, "", ""
		rest.Hashes, rest.Licenses, rest.CPE, rest.PackageURL = nil, nil, "", ""
		rest.ExternalReferences, rest.Properties = nil, nil
		if rest != (cdx.Component{}) || !cdxEntityWritable(c.Supplier, convert) {
			return false
		}
		if convert && (*c == (cdx.Component{}) || !slices.Contains(cdx15Types, c.Type)) {
			return false
		}
		if convert && c.Hashes != nil {
			for _, h := range *c.Hashes {
				if !slices.Contains(cdx15Algorithms, h.Algorithm) {
					return false
				}
			}
		}
		if c.Licenses != nil && !cdxLicensesWritable(*c.Licenses, convert) {
			return false
		}
		if c.ExternalReferences != nil {
			for _, x := range *c.ExternalReferences {
				if convert && !slices.Contains(cdx15RefTypes, x.Type) {
					return false
				}
				x.URL, x.Comment, x.Hashes, x.Type = "", "", nil, ""
				if x != (cdx.ExternalReference{}) {
					return false
				}
			}
		}
	}
	return true
}

func cdxLicensesWritable(ls cdx.Licenses, convert bool) bool {
	for _, l := range ls {
		if l.License != nil {
			// License's MarshalJSON fails unless exactly one of the two
			// is set.
			lic := *l.License
			if (lic.ID == "") == (lic.Name == "") {
				return false
			}
			lic.ID, lic.Name, lic.Acknowledgement = "", "", ""
			if lic != (cdx.License{}) {
				return false
			}
		}
		// The copy below 1.6 loses a pointer to an empty string.
		if l.Acknowledgement != nil && convert && *l.Acknowledgement == "" {
			return false
		}
		l.License, l.Expression, l.Acknowledgement = nil, "", nil
		if l != (cdx.LicenseChoice{}) {
			return false
		}
	}
	return true
}

// cdxEntityWritable checks a supplier, which below 1.6 must not be empty:
// the copy may lose it.
func cdxEntityWritable(o *cdx.OrganizationalEntity, converted bool) bool {
	return o == nil ||
		*o == cdx.OrganizationalEntity{Name: o.Name} && (o.Name != "" || !converted)
}

// The component types, hash algorithms and external reference types that
// the conversion to 1.5 keeps as they are, among those sbompipe writes.
var (
	cdx15Types      = []cdx.ComponentType{cdx.ComponentTypeApplication, cdx.ComponentTypeLibrary}
	cdx15Algorithms = []cdx.HashAlgorithm{cdx.HashAlgoMD5, cdx.HashAlgoSHA1, cdx.HashAlgoSHA256,
		cdx.HashAlgoSHA384, cdx.HashAlgoSHA512}
	cdx15RefTypes = []cdx.ExternalReferenceType{cdx.ERTypeDistribution, cdx.ERTypeVCS}
)
