// Package docstats reads a CycloneDX JSON or SPDX 2.x JSON document,
// whoever wrote it, and counts what it says about its components: how
// many there are, how many have a version and a purl, the digests it
// keeps, the dependency edges and the licenses. The side-by-side
// comparison (scripts/compare.sh) prints these figures next to the timings,
// so that a faster tool that writes less does not pass for a better one.
//
// The document's own subject is not counted as a component: CycloneDX
// metadata.component, and the SPDX packages the document DESCRIBES. Nor
// are the entries for scanned files that syft adds (CycloneDX components
// of type "file", SPDX files), though their digests are.
package docstats

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Stats are the counts of one document.
type Stats struct {
	// Format is "CycloneDX <specVersion>" or the SPDX version ("SPDX-2.3").
	Format string

	// Components counts the packages, modules and applications listed,
	// the document's subject excluded.
	Components int
	// Versioned and PURLs count the components with a version and with
	// a package URL.
	Versioned, PURLs int

	// Hashes counts the digests in the document, each distinct value once
	// per element that carries it; Hashed counts the components with at
	// least one.
	Hashes, Hashed int

	// Edges counts dependency relationships: CycloneDX dependsOn entries,
	// SPDX relationships whose type names a dependency (DEPENDS_ON,
	// DEPENDENCY_OF and the like). Containment is not a dependency.
	Edges int

	// Licensed counts the components with a license: CycloneDX licenses
	// or evidence.licenses, an SPDX declared or concluded license other
	// than NOASSERTION and NONE.
	Licensed int
}

// Read counts what the document in data holds. It tells CycloneDX from
// SPDX by the document's own fields.
func Read(data []byte) (Stats, error) {
	var probe struct {
		BOMFormat   string `json:"bomFormat"`
		SPDXVersion string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Stats{}, fmt.Errorf("reading document: %w", err)
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		return readCycloneDX(data)
	case strings.HasPrefix(probe.SPDXVersion, "SPDX-2."):
		return readSPDX(data)
	}
	return Stats{}, fmt.Errorf("reading document: " +
		"neither CycloneDX (bomFormat) nor SPDX 2 (spdxVersion)")
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxComponent struct {
	Type               string            `json:"type"`
	Version            string            `json:"version"`
	PURL               string            `json:"purl"`
	Hashes             []cdxHash         `json:"hashes"`
	Licenses           []json.RawMessage `json:"licenses"`
	ExternalReferences []struct {
		Hashes []cdxHash `json:"hashes"`
	} `json:"externalReferences"`
	Evidence *struct {
		Licenses []json.RawMessage `json:"licenses"`
	} `json:"evidence"`
	Components []cdxComponent `json:"components"`
}

func readCycloneDX(data []byte) (Stats, error) {
	var doc struct {
		SpecVersion  string         `json:"specVersion"`
		Components   []cdxComponent `json:"components"`
		Dependencies []struct {
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return Stats{}, fmt.Errorf("reading CycloneDX: %w", err)
	}
	s := Stats{Format: "CycloneDX " + doc.SpecVersion}
	var walk func([]cdxComponent)
	walk = func(list []cdxComponent) {
		for _, c := range list {
			hashes := distinct(nil, c.Hashes)
			for _, e := range c.ExternalReferences {
				hashes = distinct(hashes, e.Hashes)
			}
			s.Hashes += len(hashes)
			walk(c.Components)
			if c.Type == "file" {
				continue
			}
			s.Components++
			s.Versioned += count(c.Version != "")
			s.PURLs += count(c.PURL != "")
			s.Hashed += count(len(hashes) > 0)
			s.Licensed += count(len(c.Licenses) > 0 ||
				c.Evidence != nil && len(c.Evidence.Licenses) > 0)
		}
	}
	walk(doc.Components)
	for _, d := range doc.Dependencies {
		s.Edges += len(d.DependsOn)
	}
	return s, nil
}

// distinct appends to seen the values of hs it does not hold yet.
func distinct(seen []string, hs []cdxHash) []string {
	for _, h := range hs {
		v := strings.ToLower(h.Alg + ":" + h.Content)
		if !slices.Contains(seen, v) {
			seen = append(seen, v)
		}
	}
	return seen
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

func readSPDX(data []byte) (Stats, error) {
	var doc struct {
		SPDXVersion       string   `json:"spdxVersion"`
		DocumentDescribes []string `json:"documentDescribes"`
		Packages          []struct {
			SPDXID           string         `json:"SPDXID"`
			VersionInfo      string         `json:"versionInfo"`
			LicenseConcluded string         `json:"licenseConcluded"`
			LicenseDeclared  string         `json:"licenseDeclared"`
			Checksums        []spdxChecksum `json:"checksums"`
			ExternalRefs     []struct {
				Type string `json:"referenceType"`
			} `json:"externalRefs"`
		} `json:"packages"`
		Files []struct {
			Checksums []spdxChecksum `json:"checksums"`
		} `json:"files"`
		Relationships []struct {
			From string `json:"spdxElementId"`
			To   string `json:"relatedSpdxElement"`
			Type string `json:"relationshipType"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return Stats{}, fmt.Errorf("reading SPDX: %w", err)
	}
	s := Stats{Format: doc.SPDXVersion}
	described := map[string]bool{}
	for _, id := range doc.DocumentDescribes {
		described[id] = true
	}
	for _, r := range doc.Relationships {
		switch {
		case r.Type == "DESCRIBES" && r.From == "SPDXRef-DOCUMENT":
			described[r.To] = true
		case r.Type == "DESCRIBED_BY" && r.To == "SPDXRef-DOCUMENT":
			described[r.From] = true
		case strings.Contains(r.Type, "DEPEND"):
			s.Edges++
		}
	}
	for _, f := range doc.Files {
		s.Hashes += len(distinctChecksums(f.Checksums))
	}
	for _, p := range doc.Packages {
		n := len(distinctChecksums(p.Checksums))
		s.Hashes += n
		if described[p.SPDXID] {
			continue
		}
		s.Components++
		s.Versioned += count(p.VersionInfo != "")
		s.Hashed += count(n > 0)
		s.Licensed += count(spdxLicense(p.LicenseDeclared) || spdxLicense(p.LicenseConcluded))
		purl := false
		for _, r := range p.ExternalRefs {
			purl = purl || r.Type == "purl"
		}
		s.PURLs += count(purl)
	}
	return s, nil
}

func distinctChecksums(cs []spdxChecksum) []string {
	var seen []string
	for _, c := range cs {
		v := strings.ToLower(c.Algorithm + ":" + c.Value)
		if !slices.Contains(seen, v) {
			seen = append(seen, v)
		}
	}
	return seen
}

func spdxLicense(expr string) bool {
	return expr != "" && expr != "NOASSERTION" && expr != "NONE"
}

func count(ok bool) int {
	if ok {
		return 1
	}
	return 0
}
