package sbom

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sentrikat/sbompipe/internal/sbomcheck"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// TestCheckDocumentFails makes sure the checks the other tests rely on
// reject broken documents: a check that cannot fail proves nothing.
func TestCheckDocumentFails(t *testing.T) {
	b := collectTest(t, Inputs{GoModules: []string{testparts.Shared(t, "corpus/gomod/go-github")},
		Offline: true, NoLicenses: true})
	docs := encodeAll(t, b)
	tests := []struct {
		name     string
		format   Format
		old, new string
	}{
		{"cdx bad hash", CycloneDXJSON, `"content": "`, `"content": "zz`},
		{"cdx dangling dependency", CycloneDXJSON,
			`"ref": "pkg:golang/stdlib@`, `"ref": "nowhere@`},
		{"cdx xml bad type", CycloneDXXML, `type="library"`, `type="nonsense"`},
		{"spdx dangling relationship", SPDXJSON,
			`"relatedSpdxElement": "SPDXRef-go`, `"relatedSpdxElement": "SPDXRef-gone`},
		{"spdx bad checksum algorithm", SPDXJSON,
			`"algorithm": "SHA256"`, `"algorithm": "SHA257"`},
		{"spdx tag-value missing name", SPDXTagValue, "PackageName: stdlib\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := string(tt.format)
			if tt.format == CycloneDXJSON {
				key += "1.6"
			}
			doc := docs[key]
			if !bytes.Contains(doc, []byte(tt.old)) {
				t.Fatalf("document has no %q to break", tt.old)
			}
			broken := []byte(strings.Replace(string(doc), tt.old, tt.new, 1))
			if err := sbomcheck.Document(t, broken, string(tt.format), "1.6"); err == nil {
				t.Errorf("sbomcheck.Document accepted a document with %s", tt.name)
			} else {
				t.Logf("rejected: %.200v", err)
			}
		})
	}
}
