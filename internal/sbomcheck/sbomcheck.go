// Package sbomcheck validates SBOM documents in tests: against the official
// JSON schemas (CycloneDX 1.5 to 1.7 from the cyclonedx-go module's schema/
// folder, SPDX 2.3 from ../shared/schemas), the CycloneDX XSDs (xmllint),
// tools-golang's SPDX validation, and for reference integrity. Nothing is
// fetched from the network.
package sbomcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

var (
	schemaOnce sync.Once
	schemas    map[string]*jsonschema.Schema
	schemaErr  error
)

// SchemaDir returns the schema/ folder of the cyclonedx-go module that
// sbompipe requires, whatever the test's working directory.
func SchemaDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go")
	cmd.Dir = filepath.Dir(file)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list cyclonedx-go: %v\n%s", err, out)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "schema")
}

// loadSchemas compiles the official JSON schemas: CycloneDX 1.5 to 1.7 from
// the cyclonedx-go module, with the files they reference beside them, and
// SPDX 2.3 from ../shared/schemas. Nothing is fetched.
func loadSchemas(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	cdxDir := SchemaDir(t)
	spdxFile := filepath.Join(testparts.Shared(t, "schemas"), "spdx-schema-2.3.json")
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		// Each file is registered under its $id, which is how the bom
		// schemas reference it (jsf-0.82.schemax.json has the $id
		// jsf-0.82.schema.json).
		files := []string{spdxFile}
		for _, name := range []string{"bom-1.5.schema.json", "bom-1.6.schema.json",
			"bom-1.7.schema.json", "spdx.schema.json", "jsf-0.82.schemax.json"} {
			files = append(files, filepath.Join(cdxDir, name))
		}
		for _, path := range files {
			doc, id, err := readSchema(path)
			if err != nil {
				schemaErr = err
				return
			}
			if err := c.AddResource(id, doc); err != nil {
				schemaErr = err
				return
			}
		}
		// bom-1.7.schema.json references cryptography-defs.schema.json,
		// which cyclonedx-go v0.12.0 does not ship. It only constrains
		// cryptoProperties, which sbompipe never writes; an accept-all
		// stand-in lets the rest of the 1.7 schema be checked.
		stub := map[string]any{"definitions": map[string]any{
			"algorithmFamiliesEnum": true, "ellipticCurvesEnum": true}}
		const defs = "http://cyclonedx.org/schema/cryptography-defs.schema.json"
		if err := c.AddResource(defs, stub); err != nil {
			schemaErr = err
			return
		}
		schemas = map[string]*jsonschema.Schema{}
		for name, id := range map[string]string{
			"1.5": "http://cyclonedx.org/schema/bom-1.5.schema.json",
			"1.6": "http://cyclonedx.org/schema/bom-1.6.schema.json",
			"1.7": "http://cyclonedx.org/schema/bom-1.7.schema.json",
			"2.3": "http://spdx.org/rdf/terms/2.3",
		} {
			if schemas[name], schemaErr = c.Compile(id); schemaErr != nil {
				return
			}
		}
	})
	if schemaErr != nil {
		t.Fatalf("loading schemas: %v", schemaErr)
	}
	return schemas
}

func readSchema(path string) (any, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, "", err
	}
	m, _ := doc.(map[string]any)
	id, _ := m["$id"].(string)
	return doc, id, nil
}

// Document checks an encoded document of the given format
// ("cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value";
// cdxVersion "" means 1.6): against the official schema
// (JSON directly, CycloneDX XML with xmllint and the XSD, SPDX tag-value
// after converting it to JSON with tools-golang), with tools-golang's
// validation for SPDX, and for reference integrity.
func Document(t testing.TB, data []byte, format, cdxVersion string) error {
	t.Helper()
	if cdxVersion == "" {
		cdxVersion = "1.6"
	}
	switch format {
	case "cyclonedx-json":
		return errors.Join(checkJSONSchema(t, data, cdxVersion), checkCycloneDXRefs(data))
	case "cyclonedx-xml":
		return checkXSD(t, data, cdxVersion)
	case "spdx-json":
		doc, err := spdxjson.Read(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("tools-golang reading SPDX JSON: %w", err)
		}
		return errors.Join(checkJSONSchema(t, data, "2.3"), spdxlib.ValidateDocument(doc),
			checkSPDXRefs(data))
	case "spdx-tag-value":
		doc, err := tagvalue.Read(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("tools-golang reading SPDX tag-value: %w", err)
		}
		var js bytes.Buffer
		if err := spdxjson.Write(doc, &js); err != nil {
			return err
		}
		return errors.Join(spdxlib.ValidateDocument(doc), checkJSONSchema(t, js.Bytes(), "2.3"),
			checkSPDXRefs(js.Bytes()))
	}
	return fmt.Errorf("no check for format %q", format)
}

func checkJSONSchema(t testing.TB, data []byte, version string) error {
	sch := loadSchemas(t)[version]
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("reading document: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("schema %s: %w", version, err)
	}
	return nil
}

func checkXSD(t testing.TB, data []byte, version string) error {
	xmllint := testparts.Command(t, "xmllint",
		"apt-get install libxml2-utils (make test does this)")
	dir := t.TempDir()
	doc := filepath.Join(dir, "bom.xml")
	if err := os.WriteFile(doc, data, 0o644); err != nil {
		return err
	}
	xsd := filepath.Join(SchemaDir(t), "bom-"+version+".xsd")
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, doc).CombinedOutput()
	if err != nil {
		return fmt.Errorf("xmllint against %s: %w\n%s", filepath.Base(xsd), err, out)
	}
	return nil
}

// checkCycloneDXRefs checks that bom-refs are unique and that every
// dependency and composition reference names one.
func checkCycloneDXRefs(data []byte) error {
	type component struct {
		BOMRef string `json:"bom-ref"`
	}
	var bom struct {
		Metadata struct {
			Component component `json:"component"`
		} `json:"metadata"`
		Components   []component `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
		Compositions []struct {
			Dependencies []string `json:"dependencies"`
		} `json:"compositions"`
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		return err
	}
	var errs []error
	refs := map[string]bool{}
	for _, c := range append(bom.Components, bom.Metadata.Component) {
		if c.BOMRef == "" || refs[c.BOMRef] {
			errs = append(errs, fmt.Errorf("bom-ref %q is empty or not unique", c.BOMRef))
		}
		refs[c.BOMRef] = true
	}
	for _, d := range bom.Dependencies {
		for _, r := range append(d.DependsOn, d.Ref) {
			if !refs[r] {
				errs = append(errs,
					fmt.Errorf("dependency reference %q resolves to no component", r))
			}
		}
	}
	for _, c := range bom.Compositions {
		for _, r := range c.Dependencies {
			if !refs[r] {
				errs = append(errs,
					fmt.Errorf("composition reference %q resolves to no component", r))
			}
		}
	}
	return errors.Join(errs...)
}

// checkSPDXRefs checks that SPDX identifiers are unique and that every
// relationship names a package or the document.
func checkSPDXRefs(data []byte) error {
	var doc struct {
		Packages []struct {
			SPDXID string `json:"SPDXID"`
		} `json:"packages"`
		Relationships []struct {
			A string `json:"spdxElementId"`
			B string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	var errs []error
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	for _, p := range doc.Packages {
		if ids[p.SPDXID] {
			errs = append(errs, fmt.Errorf("SPDXID %q is not unique", p.SPDXID))
		}
		ids[p.SPDXID] = true
	}
	for _, r := range doc.Relationships {
		if !ids[r.A] || !ids[r.B] {
			errs = append(errs,
				fmt.Errorf("relationship %s -> %s names an unknown element", r.A, r.B))
		}
	}
	return errors.Join(errs...)
}
