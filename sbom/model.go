package sbom

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Ecosystem is where a component comes from.
type Ecosystem string

// The ecosystems the collectors know.
const (
	Python  Ecosystem = "python"
	Go      Ecosystem = "go"
	Product Ecosystem = "product" // the subject of the document
)

// Kind says what a component is; the encoders map it to CycloneDX component
// types and SPDX primary package purposes.
type Kind int

// The kinds of component.
const (
	Library     Kind = iota // a package, a module, the Go standard library
	Application             // a main module, a binary, the subject
)

// Component is one thing in the inventory. Key identifies it across
// collectors: two components with the same key are the same thing and are
// merged.
type Component struct {
	// Key is unique in a BOM and stable across runs, for example
	// "go:golang.org/x/mod@v0.43.0". Encoders derive bom-refs and SPDX
	// identifiers from it.
	Key string

	Ecosystem Ecosystem
	Kind      Kind

	// Name and Version as the input wrote them. Version is empty when it
	// is unknown (a local replacement, an unpinned requirement).
	Name    string
	Version string

	// PURL is the package URL, or "" when none can be formed.
	PURL string
	// CPE is a CPE 2.3 name, or "".
	CPE string

	// Supplier is the organisation that supplies the component, or "".
	Supplier string

	// Hashes identify the component itself (a Go module's h1 as SHA-256, a
	// binary's file digest).
	Hashes []Hash

	// Distributions are places the component's files come from, each with
	// the digests of files that may be installed (a Python requirement's
	// --hash values).
	Distributions []Distribution

	// DownloadLocation is the URL of the component's archive (SPDX
	// PackageDownloadLocation), or "".
	DownloadLocation string

	// License is an SPDX license expression detected from the component's
	// own license files, or "" when unknown.
	License string

	// Properties are facts without a field of their own, sorted by name.
	Properties []Property

	// Notes are sentences for a human reader (SPDX package comment), such
	// as why a component has no version or hash.
	Notes []string
}

// Hash is a digest in lowercase hex.
type Hash struct {
	// Algorithm is a CycloneDX algorithm name: "SHA-256", "SHA-384",
	// "SHA-512", "SHA-1", "MD5".
	Algorithm string
	Value     string
}

// Distribution is a place to download a component from, with digests of
// files found there.
type Distribution struct {
	URL     string
	Hashes  []Hash
	Comment string // what the place is and what the digests are of
	// VCS is true for a version-control URL.
	VCS bool
}

// Property is a name and value, named "sbompipe:<ecosystem>:<fact>".
type Property struct {
	Name  string
	Value string
}

// Dependency says that the component with key Ref depends on each of
// DependsOn.
type Dependency struct {
	Ref       string
	DependsOn []string
}

// Incomplete names components whose recorded dependencies are known to be
// incomplete, with the reason.
type Incomplete struct {
	Refs   []string
	Reason string
}

// Tool names the program that wrote a document.
type Tool struct {
	Name    string
	Version string
}

// BOM is the neutral model the collectors fill and the encoders write: a
// subject, its components and the dependencies between them. Collectors
// record facts only; the caller sets Tool and Timestamp.
type BOM struct {
	// Subject is what the document describes (CycloneDX
	// metadata.component, the SPDX package the document DESCRIBES).
	Subject Component

	// Components are every component other than the subject.
	Components []*Component

	// Dependencies are the edges of the graph, subject included.
	Dependencies []Dependency

	// Incomplete marks parts of the graph known to be incomplete.
	Incomplete []Incomplete

	// Warnings say what a collector could not inventory, each naming its
	// input; the caller shows them to the user.
	Warnings []string

	// Tool is the program that writes the document; Timestamp is when it
	// is written, or zero for none. The caller sets both.
	Tool      Tool
	Timestamp time.Time

	// merged holds the hashes of components that add merged another
	// into, and of their distributions, so that a project listed many
	// times with many hashes merges in time linear in them.
	merged map[mergeKey]map[Hash]bool
}

// mergeKey names a component's hashes (url "") or one distribution's.
type mergeKey struct {
	c   *Component
	url string
}

// Count returns the number of components in the document, subject
// included: the figure the archive index lists.
func (b *BOM) Count() int {
	return len(b.Components) + 1
}

// CountByEcosystem returns how many components each ecosystem has, the
// subject excluded.
func (b *BOM) CountByEcosystem() map[Ecosystem]int {
	n := map[Ecosystem]int{}
	for _, c := range b.Components {
		n[c.Ecosystem]++
	}
	return n
}

// Component returns the component with the given key, the subject
// included, or nil.
func (b *BOM) Component(key string) *Component {
	if key == b.Subject.Key {
		return &b.Subject
	}
	for _, c := range b.Components {
		if c.Key == key {
			return c
		}
	}
	return nil
}

// mergeHashes appends to dst, the hashes k names, those of src it does
// not hold. The set of dst is made at the first merge and kept; dst is
// copied then, so that appending never writes into a slice another
// component shares.
func (b *BOM) mergeHashes(k mergeKey, dst, src []Hash) []Hash {
	if len(src) == 0 {
		return dst
	}
	seen, ok := b.merged[k]
	if !ok {
		if b.merged == nil {
			b.merged = map[mergeKey]map[Hash]bool{}
		}
		seen = make(map[Hash]bool, len(dst)+len(src))
		for _, h := range dst {
			seen[h] = true
		}
		b.merged[k] = seen
		dst = slices.Clip(dst)
	}
	for _, h := range src {
		if !seen[h] {
			seen[h] = true
			dst = append(dst, h)
		}
	}
	return dst
}

// add merges c into the BOM: a component with a new key is appended, one
// with a known key gains the hashes, distributions, properties and notes
// it did not have. Call normalize once all components are added.
func (b *BOM) add(index map[string]*Component, c *Component) *Component {
	old, ok := index[c.Key]
	if !ok {
		index[c.Key] = c
		b.Components = append(b.Components, c)
		return c
	}
	old.Hashes = b.mergeHashes(mergeKey{old, ""}, old.Hashes, c.Hashes)
	for _, d := range c.Distributions {
		sameURL := func(o Distribution) bool { return o.URL == d.URL }
		if i := slices.IndexFunc(old.Distributions, sameURL); i >= 0 {
			// The same entry twice (Foo_Bar and foo-bar) with other
			// hashes: the document keeps every hash the file gives.
			od := &old.Distributions[i]
			od.Hashes = b.mergeHashes(mergeKey{old, d.URL}, od.Hashes, d.Hashes)
		} else {
			old.Distributions = append(old.Distributions, d)
		}
	}
	for _, p := range c.Properties {
		if !slices.Contains(old.Properties, p) {
			old.Properties = append(old.Properties, p)
		}
	}
	for _, n := range c.Notes {
		if !slices.Contains(old.Notes, n) {
			old.Notes = append(old.Notes, n)
		}
	}
	if old.License == "" {
		old.License = c.License
	}
	return old
}

// normalize sorts everything the encoders write (components by ecosystem,
// name, version and key), so that the same input
// gives the same document, and merges the edges of each component.
func (b *BOM) normalize() {
	// The components and the edges are sorted at the same time: neither
	// reads the other.
	var wg sync.WaitGroup
	wg.Go(b.sortComponents)
	b.mergeEdges()
	wg.Wait()

	for i := range b.Incomplete {
		slices.Sort(b.Incomplete[i].Refs)
		b.Incomplete[i].Refs = slices.Compact(b.Incomplete[i].Refs)
	}
	slices.SortFunc(b.Incomplete, func(x, y Incomplete) int {
		return cmp.Compare(x.Reason, y.Reason)
	})
}

// sortComponents sorts the components, and the lists of each.
func (b *BOM) sortComponents() {
	slices.SortFunc(b.Components, compareComponents)
	for _, c := range b.Components {
		sortComponent(c)
	}
	sortComponent(&b.Subject)
}

// mergeEdges merges the edges of each component into one sorted list,
// and sorts the components' lists by the component's key.
func (b *BOM) mergeEdges() {
	edges := make(map[string][]string, len(b.Components)+1)
	for _, d := range b.Dependencies {
		edges[d.Ref] = append(edges[d.Ref], d.DependsOn...)
	}
	b.Dependencies = b.Dependencies[:0]
	for ref, on := range edges {
		slices.Sort(on)
		b.Dependencies = append(b.Dependencies,
			Dependency{Ref: ref, DependsOn: slices.Compact(on)})
	}
	slices.SortFunc(b.Dependencies, func(x, y Dependency) int { return cmp.Compare(x.Ref, y.Ref) })
}

// compareComponents orders components by ecosystem, name, version and
// key. (Comparing only as far as needed: cmp.Or of the four comparisons
// makes all four for every pair.)
func compareComponents(x, y *Component) int {
	if c := cmp.Compare(x.Ecosystem, y.Ecosystem); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Name, y.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Version, y.Version); c != 0 {
		return c
	}
	return cmp.Compare(x.Key, y.Key)
}

func sortComponent(c *Component) {
	byHash := func(x, y Hash) int {
		return cmp.Or(cmp.Compare(x.Algorithm, y.Algorithm), cmp.Compare(x.Value, y.Value))
	}
	slices.SortFunc(c.Hashes, byHash)
	c.Hashes = slices.Compact(c.Hashes)
	for i := range c.Distributions {
		slices.SortFunc(c.Distributions[i].Hashes, byHash)
		c.Distributions[i].Hashes = slices.Compact(c.Distributions[i].Hashes)
	}
	slices.SortFunc(c.Distributions, func(x, y Distribution) int {
		return cmp.Compare(x.URL, y.URL)
	})
	slices.SortFunc(c.Properties, func(x, y Property) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Value, y.Value))
	})
	c.Properties = slices.Compact(c.Properties)
}
