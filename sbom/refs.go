package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// refs holds the identifiers the encoders give each component, by key:
// CycloneDX bom-refs and SPDX element identifiers. Both depend only on
// the BOM's content, so they are the same on every run. Each encoder
// computes only the map it writes (bomRefs, spdxIDs); newRefs computes
// both.
type refs struct {
	bomRef map[string]string
	spdxID map[string]string
}

// newRefs assigns both kinds of identifier.
func newRefs(b *BOM) refs {
	return refs{bomRef: bomRefs(b), spdxID: spdxIDs(b)}
}

// withSubject returns the subject and the components of b.
func withSubject(b *BOM) []*Component {
	all := make([]*Component, 0, len(b.Components)+1)
	all = append(all, &b.Subject)
	return append(all, b.Components...)
}

// bomRefs assigns bom-refs. A bom-ref is the component's purl when no
// other component has that purl, else its key (keys are unique and never
// start with "pkg:").
func bomRefs(b *BOM) map[string]string {
	all := withSubject(b)
	purls := make(map[string]int, len(all))
	for _, c := range all {
		if c.PURL != "" {
			purls[c.PURL]++
		}
	}
	ref := make(map[string]string, len(all))
	for _, c := range all {
		if c.PURL != "" && purls[c.PURL] == 1 {
			ref[c.Key] = c.PURL
		} else {
			ref[c.Key] = c.Key
		}
	}
	return ref
}

// spdxIDs assigns SPDX element identifiers. An identifier is
// SPDXRef-<ecosystem>-<name>-<hash of the key>, with characters SPDX does
// not allow replaced by "-"; the hash keeps sanitised names apart.
func spdxIDs(b *BOM) map[string]string {
	all := withSubject(b)
	ids := make(map[string]string, len(all))
	for _, c := range all {
		ids[c.Key] = spdxID(c, 10)
	}

	// Identifiers that collide despite the hash get the whole hash.
	seen := make(map[string]string, len(all))
	for _, c := range all {
		id := ids[c.Key]
		if other, ok := seen[id]; ok {
			ids[other] = spdxID(b.Component(other), sha256.Size*2)
			ids[c.Key] = spdxID(c, sha256.Size*2)
		}
		seen[id] = c.Key
	}
	return ids
}

// spdxID returns the identifier of c with the first hashLen hex digits of
// the SHA-256 of its key.
func spdxID(c *Component, hashLen int) string {
	sum := sha256.Sum256([]byte(c.Key))
	return "SPDXRef-" + string(c.Ecosystem) + "-" + spdxIDChars(c.Name) + "-" +
		hex.EncodeToString(sum[:(hashLen+1)/2])[:hashLen]
}

// spdxIDChars replaces every character outside [A-Za-z0-9.-] with "-".
func spdxIDChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '-'
	}, s)
}
