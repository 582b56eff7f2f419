package docstats

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      Stats
	}{{
		// The shape syft writes: the scanned file as a component, h1 only
		// as a property, a license on one package.
		name: "cyclonedx-syft",
		doc: `{"bomFormat": "CycloneDX", "specVersion": "1.7",
		  "metadata": {"component": {"type": "file", "name": "bin", ` +
			`"hashes": [{"alg": "SHA-256", "content": "ff"}]}},
		  "components": [
		    {"type": "library", "name": "a", "version": "v1", "purl": "pkg:golang/a@v1",
		     "licenses": [{"license": {"id": "MIT"}}]},
		    {"type": "library", "name": "b", "version": "", "purl": "pkg:golang/b"},
		    {"type": "file", "name": "bin", "hashes": [{"alg": "SHA-1", "content": "aa"}, ` +
			`{"alg": "SHA-256", "content": "bb"}]}],
		  "dependencies": [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b"}]}`,
		want: Stats{Format: "CycloneDX 1.7", Components: 2, Versioned: 1, PURLs: 2,
			Hashes: 2, Edges: 1, Licensed: 1},
	}, {
		// The shape sbompipe writes for a Python entry: digests under
		// distribution references, the same digest twice counted once.
		name: "cyclonedx-distributions",
		doc: `{"bomFormat": "CycloneDX", "specVersion": "1.6",
		  "components": [{"type": "library", "name": "idna", "version": "3.7",
		    "externalReferences": [
		      {"type": "distribution", "url": "https://pypi.org/simple/idna/",
		       "hashes": [{"alg": "SHA-256", "content": "01"}, ` +
			`{"alg": "SHA-256", "content": "02"}]},
		      {"type": "distribution", "url": "https://mirror/simple/idna/",
		       "hashes": [{"alg": "SHA-256", "content": "01"}]}],
		    "components": [{"type": "library", "name": "inner", ` +
			`"evidence": {"licenses": [{"license": {"id": "MIT"}}]}}]}]}`,
		want: Stats{Format: "CycloneDX 1.6", Components: 2, Versioned: 1, Hashes: 2, Hashed: 1,
			Licensed: 1},
	}, {
		name: "spdx",
		doc: `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
		  "packages": [
		    {"SPDXID": "SPDXRef-root", "name": "root", ` +
			`"checksums": [{"algorithm": "SHA256", "checksumValue": "00"}]},
		    {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1", "licenseDeclared": "MIT", ` +
			`"licenseConcluded": "NOASSERTION",
		     "checksums": [{"algorithm": "SHA256", "checksumValue": "01"}, ` +
			`{"algorithm": "SHA256", "checksumValue": "01"}],
		     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", ` +
			`"referenceLocator": "pkg:pypi/a@1"}]},
		    {"SPDXID": "SPDXRef-b", "name": "b", "licenseDeclared": "NONE", ` +
			`"licenseConcluded": "NOASSERTION"}],
		  "files": [{"SPDXID": "SPDXRef-f", ` +
			`"checksums": [{"algorithm": "SHA1", "checksumValue": "aa"}]}],
		  "relationships": [
		    {"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-root", ` +
			`"relationshipType": "DESCRIBES"},
		    {"spdxElementId": "SPDXRef-root", "relatedSpdxElement": "SPDXRef-a", ` +
			`"relationshipType": "CONTAINS"},
		    {"spdxElementId": "SPDXRef-root", "relatedSpdxElement": "SPDXRef-a", ` +
			`"relationshipType": "DEPENDS_ON"},
		    {"spdxElementId": "SPDXRef-b", "relatedSpdxElement": "SPDXRef-a", ` +
			`"relationshipType": "DEPENDENCY_OF"}]}`,
		want: Stats{Format: "SPDX-2.3", Components: 2, Versioned: 1, PURLs: 1, Hashes: 3,
			Hashed: 1, Edges: 2, Licensed: 1},
	}} {
		got, err := Read([]byte(tc.doc))
		if err != nil {
			t.Errorf("%s: Read: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: Read (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestReadRefuses(t *testing.T) {
	for _, doc := range []string{
		`[]`, `{"bomFormat": "SWID"}`, `{"spdxVersion": "SPDX-3.0"}`, `{`,
	} {
		if _, err := Read([]byte(doc)); err == nil {
			t.Errorf("Read(%s) = nil error, want one", doc)
		}
	}
}

// TestSbompipeGolden reads the golden documents of the sbom package: both
// formats carry the same facts, so they must give the same counts.
func TestSbompipeGolden(t *testing.T) {
	dir := filepath.Join("..", "..", "sbom", "testdata", "golden")
	read := func(name string) Stats {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := Read(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	cdx, spdx := read("cyclonedx-json1.6.cdx.json"), read("spdx-json.spdx.json")
	if cdx.Components == 0 || cdx.Hashes == 0 || cdx.Edges == 0 {
		t.Errorf("CycloneDX golden: %+v; want components, hashes and edges", cdx)
	}
	cdx.Format, spdx.Format = "", ""
	if diff := cmp.Diff(cdx, spdx); diff != "" {
		t.Errorf("CycloneDX and SPDX golden documents differ (-cdx +spdx):\n%s", diff)
	}
}
