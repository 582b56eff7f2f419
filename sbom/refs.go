package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// refs holds the identifiers the encoders give each component, by key:
// CycloneDX bom-refs and SPDX element identifiers. Both depend only on
// the BOM's content, so they are the same on every run.
type refs struct {
	bomRef map[string]string
	spdxID map[string]string
}

// newRefs assigns identifiers. A bom-ref is the component's purl when no
// other component has that purl, else its key (keys are unique and never
// start with "pkg:"). An SPDX identifier is
// SPDXRef-<ecosystem>-<name>-<hash of the key>, with characters SPDX does
// not allow replaced by "-"; the hash keeps sanitised names apart.
func newRefs(b *BOM) refs {
	all := make([]*Component, 0, len(b.Components)+1)
	all = append(all, &b.Subject)
	all = append(all, b.Components...)

	purls := make(map[string]int, len(all))
	for _, c := range all {
		if c.PURL != "" {
			purls[c.PURL]++
		}
	}
	r := refs{bomRef: make(map[string]string, len(all)), spdxID: make(map[string]string, len(all))}
	for _, c := range all {
		if c.PURL != "" && purls[c.PURL] == 1 {
			r.bomRef[c.Key] = c.PURL
		} else {
			r.bomRef[c.Key] = c.Key
		}
		r.spdxID[c.Key] = spdxID(c, 10)
	}

	// Identifiers that collide despite the hash get the whole hash.
	seen := make(map[string]string, len(all))
	for _, c := range all {
		id := r.spdxID[c.Key]
		if other, ok := seen[id]; ok {
			r.spdxID[other] = spdxID(b.Component(other), sha256.Size*2)
			r.spdxID[c.Key] = spdxID(c, sha256.Size*2)
		}
		seen[id] = c.Key
	}
	return r
}

func spdxID(c *Component, hashLen int) string {
	sum := sha256.Sum256([]byte(c.Key))
	return "SPDXRef-" + string(c.Ecosystem) + "-" + spdxIDChars(c.Name) + "-" +
		hex.EncodeToString(sum[:])[:hashLen]
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
