package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
)

// classifierVersion is the version of github.com/google/licenseclassifier/v2
// in go.mod (a test keeps the two equal). It is part of the license cache's
// key: another classifier may find other licenses in the same text.
const classifierVersion = "v2.0.0"

// licenseCache keeps what classify found in a license text between runs,
// one small file per text named by the text's SHA-256, so that a text is
// classified once per machine rather than once per run. Loading the
// classifier (about 0.7 s and 130 MB) is then needed only for texts not seen
// before. Entries are only ever added; one that cannot be read or does not
// hold valid SPDX identifiers counts as absent and is written again.
//
// Whoever can write the cache can change the licenses sbompipe reports, as
// whoever can write the module cache can change the texts: it belongs with
// the module cache, not in a cache shared with untrusted jobs.
type licenseCache struct {
	dir string // "" when nothing is cached
}

// openLicenseCache returns the cache kept under root ("" for none). Its
// entries live in a folder named for the classifier's version and the
// confidence at which licenses are asserted, so a change of either starts
// afresh.
func openLicenseCache(root string) licenseCache {
	if root == "" {
		return licenseCache{}
	}
	return licenseCache{dir: filepath.Join(root,
		fmt.Sprintf("v1-licenseclassifier-%s-%.2f", classifierVersion, licenseConfidence))}
}

// licenseEntry is the content of one cache file.
type licenseEntry struct {
	SHA256   string   `json:"sha256"`
	Licenses []string `json:"licenses"`
}

// encodeLicenseEntry is the one form of an entry: compact JSON and a line
// break.
func encodeLicenseEntry(e licenseEntry) ([]byte, error) {
	data, err := json.Marshal(e)
	return append(data, '\n'), err
}

func (lc licenseCache) path(sum [sha256.Size]byte) string {
	h := hex.EncodeToString(sum[:])
	return filepath.Join(lc.dir, h[:2], h+".json")
}

// get returns the licenses recorded for the text with SHA-256 sum, and
// whether there is a valid entry.
func (lc licenseCache) get(sum [sha256.Size]byte) ([]string, bool) {
	if lc.dir == "" {
		return nil, false
	}
	data, ok := readRegularFile(lc.path(sum), 64<<10)
	if !ok {
		return nil, false
	}
	// An entry is believed only in the form put writes it, which rules
	// out trailing data, repeated or differently cased keys, and
	// identifiers other than the SPDX list's own spelling of each.
	var e licenseEntry
	if json.Unmarshal(data, &e) != nil || e.Licenses == nil ||
		e.SHA256 != hex.EncodeToString(sum[:]) {
		return nil, false
	}
	for _, id := range e.Licenses {
		if canon, ok := spdxLicenseID(id); !ok || canon != id {
			return nil, false
		}
	}
	if want, err := encodeLicenseEntry(e); err != nil || !bytes.Equal(data, want) {
		return nil, false
	}
	return e.Licenses, true
}

// has reports whether get would find a valid entry for sum.
func (lc licenseCache) has(sum [sha256.Size]byte) bool {
	_, ok := lc.get(sum)
	return ok
}

// put records the licenses found in the text with SHA-256 sum. The cache
// is a convenience: an entry that cannot be written is left out, and the
// next run classifies the text again. Each entry is written to a temporary
// file and renamed, so a reader sees a whole entry or none.
func (lc licenseCache) put(sum [sha256.Size]byte, ids []string) {
	if lc.dir == "" {
		return
	}
	if ids == nil {
		ids = []string{}
	}
	data, err := encodeLicenseEntry(licenseEntry{SHA256: hex.EncodeToString(sum[:]), Licenses: ids})
	if err != nil {
		return
	}
	writeCacheFile(lc.path(sum), data)
}
