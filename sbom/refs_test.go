package sbom

import (
	"strings"
	"testing"
)

func TestRefs(t *testing.T) {
	b := &BOM{Subject: Component{Key: "product:p@", Ecosystem: Product, Name: "p"}}
	for _, c := range []*Component{
		// The same purl twice (one pin under two markers).
		{Key: `python:idna@3.7;python_version < "3.12"`, Ecosystem: Python, Name: "idna",
			PURL: "pkg:pypi/idna@3.7"},
		{Key: `python:idna@3.7;python_version >= "3.12"`, Ecosystem: Python, Name: "idna",
			PURL: "pkg:pypi/idna@3.7"},
		// Names that sanitise to the same SPDX characters.
		{Key: "python:a-b@1", Ecosystem: Python, Name: "a_b", PURL: "pkg:pypi/a-b@1"},
		{Key: "python:a-b@2", Ecosystem: Python, Name: "a-b", PURL: "pkg:pypi/a-b@2"},
	} {
		b.Components = append(b.Components, c)
	}
	b.normalize()
	r := newRefs(b)

	bomRefs, spdxIDs := map[string]bool{}, map[string]bool{}
	for _, c := range append([]*Component{&b.Subject}, b.Components...) {
		ref, id := r.bomRef[c.Key], r.spdxID[c.Key]
		if bomRefs[ref] || spdxIDs[id] {
			t.Errorf("%s: bom-ref %q or SPDX id %q is not unique", c.Key, ref, id)
		}
		bomRefs[ref], spdxIDs[id] = true, true
		const allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
		if strings.Trim(id[len("SPDXRef-"):], allowed) != "" {
			t.Errorf("SPDX id %q has characters SPDX does not allow", id)
		}
	}
	if got := r.bomRef[`python:idna@3.7;python_version < "3.12"`]; got == "pkg:pypi/idna@3.7" {
		t.Errorf("a purl two components share is used as a bom-ref")
	}
	if got := r.bomRef["python:a-b@1"]; got != "pkg:pypi/a-b@1" {
		t.Errorf("bom-ref of a unique purl = %q, want the purl", got)
	}

	// The same BOM gives the same identifiers.
	again := newRefs(b)
	for k, v := range r.spdxID {
		if again.spdxID[k] != v || again.bomRef[k] != r.bomRef[k] {
			t.Errorf("%s: identifiers changed between runs", k)
		}
	}
}
