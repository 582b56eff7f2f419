package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// IndexSchemaVersion is the schemaVersion of index.json and release.json.
const IndexSchemaVersion = 1

// Index is index.json: every product of a store with its releases, newest
// first. docs/index.schema.json is its JSON Schema.
type Index struct {
	SchemaVersion int       `json:"schemaVersion"`
	Generated     time.Time `json:"generated"` // the newest publish or replace time
	Products      []Product `json:"products"`
}

// Product is one product of the index.
type Product struct {
	Name     string    `json:"name"`
	Releases []Release `json:"releases"`
}

// Release is one published release of a product.
type Release struct {
	Release   string        `json:"release"`
	Published time.Time     `json:"published"` // kept when documents are replaced
	Documents []Document    `json:"documents"`
	Replaced  []Replacement `json:"replaced,omitempty"` // oldest first
}

// Document is one stored SBOM document.
type Document struct {
	Format      string `json:"format"`      // "cyclonedx" or "spdx"
	SpecVersion string `json:"specVersion"` // "1.6", "2.3"
	MediaType   string `json:"mediaType"`   // registered type, no parameters
	Path        string `json:"path"`        // store key: "agent/v1.4.0/agent_v1.4.0.cdx.json"
	SHA256      string `json:"sha256"`      // lowercase hex
	Size        int64  `json:"size"`        // in bytes
	Components  int    `json:"components"`  // not counting the subject the document describes
}

// Kind returns the document's kind, from its media type.
func (d Document) Kind() Kind { return KindOf(d.MediaType) }

// Name returns the document's file name, the last element of its path.
func (d Document) Name() string { return d.Path[strings.LastIndexByte(d.Path, '/')+1:] }

// Replacement records that --replace changed a stored document at Time:
// the digest and size it had (empty and 0 when the document was added to a
// published release) and the digest it has now.
type Replacement struct {
	Path      string    `json:"path"`
	Time      time.Time `json:"time"`
	OldSHA256 string    `json:"oldSha256"`
	OldSize   int64     `json:"oldSize"`
	SHA256    string    `json:"sha256"`
}

// releaseMeta is release.json, the per-release metadata file: the release's
// index entry with its product, so that the index can be rebuilt from the
// store alone.
type releaseMeta struct {
	SchemaVersion int    `json:"schemaVersion"`
	Product       string `json:"product"`
	Release
}

// site is site.json: settings of the page that live in the store so that
// regenerating the index files needs nothing else.
type site struct {
	SchemaVersion int    `json:"schemaVersion"`
	FeedID        string `json:"feedId"`            // urn:uuid:…, fixed when the store is created
	Contact       string `json:"contact,omitempty"` // email address for archived-SBOM requests
}

// buildIndex assembles the index from release metadata: products by name,
// releases newest first, documents by path. generated is the newest publish
// or replace time, so the same metadata always gives the same index.
func buildIndex(metas []releaseMeta) *Index {
	ix := &Index{
		SchemaVersion: IndexSchemaVersion,
		Generated:     time.Unix(0, 0).UTC(),
		Products:      []Product{},
	}
	byName := map[string]int{}
	for _, m := range metas {
		i, ok := byName[m.Product]
		if !ok {
			i = len(ix.Products)
			byName[m.Product] = i
			ix.Products = append(ix.Products, Product{Name: m.Product})
		}
		r := m.Release
		sortDocs(r.Documents)
		ix.Products[i].Releases = append(ix.Products[i].Releases, r)
		if r.Published.After(ix.Generated) {
			ix.Generated = r.Published
		}
		for _, rp := range r.Replaced {
			if rp.Time.After(ix.Generated) {
				ix.Generated = rp.Time
			}
		}
	}
	sort.Slice(ix.Products, func(a, b int) bool {
		return ix.Products[a].Name < ix.Products[b].Name
	})
	for _, p := range ix.Products {
		sort.Slice(p.Releases, func(a, b int) bool { return newer(p.Releases[a], p.Releases[b]) })
	}
	return ix
}

func sortDocs(docs []Document) {
	sort.Slice(docs, func(a, b int) bool { return docs[a].Path < docs[b].Path })
}

// newer orders releases newest first: semantic versions (with or without a
// leading "v") by precedence, before other names; then by publish time;
// then by name, so that the order is total.
func newer(a, b Release) bool {
	va, vb := semverOf(a.Release), semverOf(b.Release)
	switch {
	case va != "" && vb == "":
		return true
	case va == "" && vb != "":
		return false
	case va != "" && vb != "":
		if c := semver.Compare(va, vb); c != 0 {
			return c > 0
		}
	}
	if !a.Published.Equal(b.Published) {
		return a.Published.After(b.Published)
	}
	return a.Release > b.Release
}

func semverOf(release string) string {
	v := release
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

// Latest returns the newest release of the product, if it has any.
func (p *Product) Latest() (Release, bool) {
	if len(p.Releases) == 0 {
		return Release{}, false
	}
	return p.Releases[0], true
}

// Find returns the named product of the index.
func (ix *Index) Find(product string) (*Product, bool) {
	for i := range ix.Products {
		if ix.Products[i].Name == product {
			return &ix.Products[i], true
		}
	}
	return nil, false
}

// MarshalIndex encodes the index as index.json: indented, with a final
// newline, and every time in UTC to the second.
func MarshalIndex(ix *Index) ([]byte, error) {
	return marshalJSON(ix)
}

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseIndex decodes index.json and checks what fetch and serve rely on:
// the schema version, valid names, and document paths inside their
// release. name is used in errors.
func ParseIndex(name string, data []byte) (*Index, error) {
	var ix Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ix); err != nil {
		return nil, jsonErrorAs(name, "not an archive index", data, err)
	}
	if ix.SchemaVersion != IndexSchemaVersion {
		return nil, fmt.Errorf("%s: schemaVersion %d, want %d",
			name, ix.SchemaVersion, IndexSchemaVersion)
	}
	for _, p := range ix.Products {
		if err := CheckName("product", p.Name); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		for _, r := range p.Releases {
			if err := CheckName("release", r.Release); err != nil {
				return nil, fmt.Errorf("%s: product %s: %v", name, p.Name, err)
			}
			for _, d := range r.Documents {
				if err := checkDocument(p.Name, r.Release, d); err != nil {
					return nil, fmt.Errorf("%s: %s %s: %v", name, p.Name, r.Release, err)
				}
			}
		}
	}
	return &ix, nil
}

// checkDocument checks an index entry that a reader is about to trust: its
// spec version is a version, its path is one of the release's document
// names, its digest is SHA-256, and its size is one the archive stores.
func checkDocument(product, release string, d Document) error {
	k := d.Kind()
	if !k.valid() {
		return fmt.Errorf("document %q: unknown media type %q", d.Path, d.MediaType)
	}
	if !specVersionRE.MatchString(d.SpecVersion) {
		return fmt.Errorf("document %q: specVersion %q is not a version like 1.6 or 2.3",
			d.Path, d.SpecVersion)
	}
	if d.Path != docKey(product, release, k) {
		return fmt.Errorf("document path %q: want %q", d.Path, docKey(product, release, k))
	}
	if len(d.SHA256) != 64 || strings.Trim(d.SHA256, "0123456789abcdef") != "" {
		return fmt.Errorf("document %q: sha256 %q is not 64 lowercase hex digits",
			d.Path, d.SHA256)
	}
	if d.Size < 0 || d.Size > MaxDocumentSize {
		return fmt.Errorf("document %q: size %d is not between 0 and %d (%d MiB)",
			d.Path, d.Size, MaxDocumentSize, MaxDocumentSize>>20)
	}
	return nil
}

// specVersionRE is what Detect gives as a spec version: "1.6", "2.3".
var specVersionRE = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{1,3}$`)

// SHA256SUMS renders a release's SHA256SUMS: "<hex>  <file name>" lines
// sorted by name, as sha256sum -c reads them.
func SHA256SUMS(docs []Document) []byte {
	lines := make([]string, 0, len(docs))
	for _, d := range docs {
		lines = append(lines, d.SHA256+"  "+d.Name()+"\n")
	}
	sort.Slice(lines, func(a, b int) bool { return lines[a][66:] < lines[b][66:] })
	return []byte(strings.Join(lines, ""))
}
