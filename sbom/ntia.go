package sbom

// NTIA minimum elements, as the NTIA's "Minimum Elements for a Software
// Bill of Materials" (2021) names them.
const (
	ElementSupplier      = "supplier"
	ElementName          = "name"
	ElementVersion       = "version"
	ElementUniqueID      = "unique id"
	ElementRelationships = "relationships"
	ElementAuthor        = "author"
	ElementTimestamp     = "timestamp"
)

// NTIAElements lists the elements in the order reports give them.
var NTIAElements = []string{ElementSupplier, ElementName, ElementVersion, ElementUniqueID,
	ElementRelationships, ElementAuthor, ElementTimestamp}

// NTIAReport says which minimum elements a BOM lacks.
type NTIAReport struct {
	// Components counts the components checked, the subject included.
	Components int
	// Missing counts, per element, the components that lack it. Author
	// and timestamp are document-wide: 0 or Components.
	Missing map[string]int
}

// NTIA checks every component of b for the minimum elements: a supplier,
// a name, a version, a unique identifier (purl or CPE) and a relationship
// (being the subject or the target of a dependency); and the document for
// an author (the tool or the supplier) and a timestamp.
func NTIA(b *BOM) NTIAReport {
	edges := 0
	for _, d := range b.Dependencies {
		edges += len(d.DependsOn)
	}
	targets := make(map[string]bool, min(edges, b.Count())+1)
	targets[b.Subject.Key] = true
	for _, d := range b.Dependencies {
		for _, k := range d.DependsOn {
			targets[k] = true
		}
	}
	r := NTIAReport{Components: b.Count(), Missing: map[string]int{}}
	for _, c := range append([]*Component{&b.Subject}, b.Components...) {
		if c.Supplier == "" {
			r.Missing[ElementSupplier]++
		}
		if c.Name == "" {
			r.Missing[ElementName]++
		}
		if c.Version == "" {
			r.Missing[ElementVersion]++
		}
		if c.PURL == "" && c.CPE == "" {
			r.Missing[ElementUniqueID]++
		}
		if !targets[c.Key] {
			r.Missing[ElementRelationships]++
		}
	}
	if b.Tool.Name == "" && b.Subject.Supplier == "" {
		r.Missing[ElementAuthor] = r.Components
	}
	if b.Timestamp.IsZero() {
		r.Missing[ElementTimestamp] = r.Components
	}
	return r
}
