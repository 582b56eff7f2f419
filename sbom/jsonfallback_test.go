package sbom

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// otherFields calls set once for each field of the struct *p that is
// written in JSON and not named in handled, with that field set to a value
// other than its zero value, and restores it after.
func otherFields(t *testing.T, p any, handled []string, set func(field string)) {
	t.Helper()
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" || slices.Contains(handled, f.Name) {
			continue
		}
		old := reflect.New(f.Type).Elem()
		old.Set(v.Field(i))
		setNonZero(t, v.Field(i))
		set(v.Type().Name() + "." + f.Name)
		v.Field(i).Set(old)
	}
}

func setNonZero(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
	default:
		t.Fatalf("no non-zero value for a %s", v.Type())
	}
}

// TestCycloneDXJSONFallback sets, in turn, each field of the BOM's types
// that appendCycloneDXJSON does not write, and wants cyclonedx-go to write
// the document: the same bytes, or the same failure.
func TestCycloneDXJSONFallback(t *testing.T) {
	for _, version := range []string{"1.5", "1.6", "1.7"} {
		b := hostileBOM("x", 0)
		for _, c := range b.Components {
			c.License = "MIT" // a license id, not an expression
		}
		bom := cycloneDXVersion(b, version)
		if !cdxJSONWritable(bom) {
			t.Fatalf("%s: the BOM is not writable before any change", version)
		}
		m := bom.Metadata
		c := &(*bom.Components)[0]
		fallsBack := func(field string) {
			want, wantErr := cycloneDXLibrary(bom, CycloneDXJSON)
			got, fast, err := cycloneDXJSON(bom, nil)
			switch {
			case fast:
				t.Errorf("%s: with %s set, the writer did not fall back", version, field)
			case (err != nil) != (wantErr != nil) || !bytes.Equal(got, want):
				t.Errorf("%s: with %s set, the fallback = %.40q, %v; want %.40q, %v",
					version, field, got, err, want, wantErr)
			}
		}
		otherFields(t, bom, []string{"JSONSchema", "BOMFormat", "SpecVersion", "SerialNumber",
			"Version", "Metadata", "Components", "Dependencies", "Compositions"}, fallsBack)
		otherFields(t, m, []string{"Timestamp", "Tools", "Authors", "Component", "Supplier"},
			fallsBack)
		otherFields(t, m.Tools, []string{"Components"}, fallsBack)
		otherFields(t, &(*m.Authors)[0], []string{"Name"}, fallsBack)
		otherFields(t, m.Supplier, []string{"Name"}, fallsBack)
		for _, c := range []*cdx.Component{m.Component, c, &(*m.Tools.Components)[0]} {
			otherFields(t, c, []string{"BOMRef", "Type", "Supplier", "Name", "Version",
				"Hashes", "Licenses", "CPE", "PackageURL", "ExternalReferences", "Properties"},
				fallsBack)
		}
		otherFields(t, &(*c.ExternalReferences)[0], []string{"URL", "Comment", "Hashes", "Type"},
			fallsBack)
		lic := &(*c.Licenses)[0]
		otherFields(t, lic, []string{"License", "Expression", "Acknowledgement"}, fallsBack)
		otherFields(t, lic.License, []string{"ID", "Acknowledgement"}, fallsBack)
		otherFields(t, &(*bom.Dependencies)[0], []string{"Ref", "Dependencies"}, fallsBack)
		otherFields(t, &(*bom.Compositions)[0], []string{"Aggregate", "Dependencies"},
			fallsBack)

		// Values the writer would write, but that cyclonedx-go rejects, or
		// that the conversion below 1.6 changes.
		lic.License.Name = "both an id and a name"
		fallsBack("License.ID and License.Name")
		lic.License.Name = ""
		if version == "1.5" {
			c.Type = cdx.ComponentTypeCryptographicAsset
			fallsBack("a type 1.5 lacks")
			c.Type = cdx.ComponentTypeLibrary
			*c.Hashes = append(*c.Hashes, cdx.Hash{Algorithm: cdx.HashAlgoStreebog256})
			fallsBack("an algorithm 1.5 lacks")
		}
	}
}

// TestSPDXJSONFallback sets, in turn, each field of the document's types
// that appendSPDXJSON does not write, and values whose MarshalJSON fails,
// and wants tools-golang to write the document: the same bytes, or the
// same failure.
func TestSPDXJSONFallback(t *testing.T) {
	doc := spdxDocument(hostileBOM("x", 0))
	if !spdxJSONWritable(doc) {
		t.Fatal("the document is not writable before any change")
	}
	fallsBack := func(field string) {
		var want jsonIndenter
		wantErr := spdxjson.Write(doc, &want)
		got, fast, err := spdxJSON(doc, nil)
		switch {
		case fast:
			t.Errorf("with %s set, the writer did not fall back", field)
		case (err != nil) != (wantErr != nil) || !bytes.Equal(got, want.out):
			t.Errorf("with %s set, the fallback = %.40q, %v; want %.40q, %v",
				field, got, err, want.out, wantErr)
		}
	}
	otherFields(t, doc, []string{"SPDXVersion", "DataLicense", "SPDXIdentifier",
		"DocumentName", "DocumentNamespace", "DocumentComment", "CreationInfo", "Packages",
		"Relationships"}, fallsBack)
	p := doc.Packages[1]
	otherFields(t, p, []string{"PackageName", "PackageSPDXIdentifier", "PackageVersion",
		"PackageSupplier", "PackageDownloadLocation", "FilesAnalyzed", "PackageChecksums",
		"PackageLicenseConcluded", "PackageLicenseDeclared", "PackageCopyrightText",
		"PackageComment", "PackageExternalReferences", "PrimaryPackagePurpose"}, fallsBack)

	// The fields the writer does write, but with values whose MarshalJSON
	// fails or which encoding/json writes as null.
	creators := doc.CreationInfo.Creators
	doc.CreationInfo.Creators = append(slices.Clip(creators), common.Creator{CreatorType: "Tool"})
	fallsBack("an empty creator")
	doc.CreationInfo.Creators = creators

	supplier := p.PackageSupplier
	p.PackageSupplier = &common.Supplier{Supplier: "no type"}
	fallsBack("a supplier without a type")
	p.PackageSupplier = supplier

	ref := doc.Relationships[0].RefB
	doc.Relationships[0].RefB = common.DocElementID{DocumentRefID: "only-a-document"}
	fallsBack("a relationship to a document alone")
	doc.Relationships[0].RefB = ref

	doc.Packages = append(doc.Packages, nil)
	fallsBack("a nil package")
	doc.Packages = doc.Packages[:len(doc.Packages)-1]

	p.PackageExternalReferences = append(p.PackageExternalReferences, nil)
	fallsBack("a nil external reference")
	p.PackageExternalReferences = p.PackageExternalReferences[:len(p.PackageExternalReferences)-1]

	creationInfo := doc.CreationInfo
	doc.CreationInfo = nil
	fallsBack("no creation info")
	doc.CreationInfo = creationInfo
	if !spdxJSONWritable(doc) {
		t.Error("the document is not writable after the changes were undone")
	}
}

// TestSPDXJSONIdentifiers writes the identifier forms spdxDocument does
// not make, which the writer handles as the MarshalJSON methods do.
func TestSPDXJSONIdentifiers(t *testing.T) {
	doc := spdxDocument(hostileBOM("x", 0))
	doc.SPDXIdentifier = "SPDXRef-DOCUMENT"
	doc.Packages[0].PackageSupplier = &common.Supplier{Supplier: noAssertion, SupplierType: "x"}
	doc.Packages[0].PackageExternalReferences[0].Category = "PACKAGE_MANAGER"
	doc.CreationInfo.Creators = nil
	r := doc.Relationships
	r[0].RefA = common.DocElementID{DocumentRefID: "d", ElementRefID: "e", SpecialID: "NONE"}
	r[0].RefB = common.DocElementID{DocumentRefID: "DocumentRef-d", ElementRefID: "SPDXRef-e"}
	r[1].RefB = common.MakeDocElementSpecial("NOASSERTION")
	var want jsonIndenter
	if err := spdxjson.Write(doc, &want); err != nil {
		t.Fatal(err)
	}
	got, fast, err := spdxJSON(doc, nil)
	if !fast || err != nil || !bytes.Equal(got, want.out) {
		t.Errorf("spdxJSON = fast %v, %v, and the bytes differ: %v", fast, err,
			!bytes.Equal(got, want.out))
	}
	if !strings.Contains(string(got), `"DocumentRef-d:SPDXRef-e"`) {
		t.Errorf("no external element identifier in %.200s", got)
	}
}
