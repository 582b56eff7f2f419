package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentrikat/sbompipe/sbom"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		file        string
		kind        Kind
		specVersion string
		components  int
	}{
		{"agent.cdx.json", CycloneDXJSON, "1.6", 3},
		{"agent.cdx.xml", CycloneDXXML, "1.5", 2},
		{"agent.spdx.json", SPDXJSON, "2.3", 3},
		{"agent.spdx", SPDXTagValue, "2.3", 1},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", "docs", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Detect(tt.file, data)
		if err != nil {
			t.Errorf("Detect(%s) error: %v", tt.file, err)
			continue
		}
		if d.Kind() != tt.kind || d.SpecVersion != tt.specVersion ||
			d.Components != tt.components {
			t.Errorf("Detect(%s) = %s %s, %d components, want %s %s, %d components",
				tt.file, d.Kind(), d.SpecVersion, d.Components,
				tt.kind, tt.specVersion, tt.components)
		}
		if d.Format != tt.kind.Format() || d.MediaType != tt.kind.MediaType() {
			t.Errorf("Detect(%s) format %q media type %q, want %q %q",
				tt.file, d.Format, d.MediaType, tt.kind.Format(), tt.kind.MediaType())
		}
		if d.Size != int64(len(data)) || d.SHA256 != digest(data) {
			t.Errorf("Detect(%s) size %d sha256 %s, want %d %s",
				tt.file, d.Size, d.SHA256, len(data), digest(data))
		}
	}
}

func TestDetectRefuses(t *testing.T) {
	tests := []struct {
		name string
		data string // inline content; empty reads testdata/docs/name
		want string
	}{
		{name: "broken.json", want: "broken.json:4: not an SBOM"},
		{name: "not-sbom.json", want: "not-sbom.json: JSON without bomFormat or spdxVersion"},
		{name: "requirements.txt", want: "requirements.txt:1: not an SBOM"},
		{name: "wrong-ns.xml", want: "wrong-ns.xml:2: XML root <project"},
		{name: "empty.json", data: " \n", want: "empty.json: empty file"},
		{name: "other.json", data: `{"bomFormat": "SWID", "specVersion": "1.6"}`,
			want: `bomFormat is "SWID"`},
		{name: "v2.json", data: `{"bomFormat": "CycloneDX", "specVersion": "2.0"}`,
			want: `specVersion "2.0" is not 1.x`},
		{name: "spdx3.json", data: `{"spdxVersion": "SPDX-3.0"}`,
			want: `spdxVersion "SPDX-3.0" is not SPDX-2.x`},
		{name: "tv.spdx", data: "DataLicense: CC0-1.0\nPackageName: x\n",
			want: "tv.spdx: not an SBOM: no SPDXVersion"},
		{name: "cut.xml", data: `<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>`,
			want: "cut.xml:1: not an SBOM"},
	}
	for _, tt := range tests {
		data := []byte(tt.data)
		if tt.data == "" {
			var err error
			if data, err = os.ReadFile(filepath.Join("testdata", "docs", tt.name)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Detect(tt.name, data)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Detect(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"agent", true},
		{"v1.4.0", true},
		{"1.0.0+build.5", true},
		{"my_product-2", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{"..", false},
		{".hidden", false},
		{"a/b", false},
		{"a b", false},
		{"a\x00b", false},
		{"-flag", false},
		{"ü", false},
		{"v2..", false},
		{"v1..2", false},
		{"v2.", false},
		{"v2.0.", false},
		{"v2.0", true},
		{"index.json", false},
		{"Index.JSON", false},
		{"index.html", false},
		{"feed.xml", false},
		{"sbom.css", false},
		{"favicon.svg", false},
		{"site.json", false},
		{"index.json2", true},
	}
	for _, tt := range tests {
		err := CheckName("release", tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, name := range []string{
		"agent.cdx.json", "agent.cdx.xml", "agent.spdx.json", "agent.spdx", "broken.json",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "docs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Detect("fuzz", data)
		if err == nil && (d.Kind() == 0 || d.Components < 0) {
			t.Errorf("Detect accepted a document of no kind: %+v", d)
		}
	})
}

// The same BOM counts the same in every format: the tools that wrote a
// document (CycloneDX metadata.tools.components) and the subject are not
// components of it.
func TestDetectCountsAgreeAcrossFormats(t *testing.T) {
	dir := t.TempDir()
	req := filepath.Join(dir, "requirements.txt")
	lock := "alpha==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n" +
		"beta==2.0 \\\n    --hash=sha256:" + strings.Repeat("b", 64) + "\n"
	if err := os.WriteFile(req, []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := sbom.Collect(context.Background(), sbom.Inputs{
		Subject: sbom.Subject{Name: "agent", Version: "1.0"},
		Python:  []string{req},
		Offline: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Tool = sbom.Tool{Name: "sbompipe", Version: "test"}
	for _, f := range []sbom.Format{
		sbom.CycloneDXJSON, sbom.CycloneDXXML, sbom.SPDXJSON, sbom.SPDXTagValue,
	} {
		var buf bytes.Buffer
		if _, err := sbom.Encode(&buf, b, f, sbom.EncodeOptions{}); err != nil {
			t.Fatal(err)
		}
		d, err := Detect(string(f), buf.Bytes())
		if err != nil {
			t.Fatalf("Detect(%s): %v", f, err)
		}
		if d.Components != 2 {
			t.Errorf("Detect(%s) counts %d components, want 2", f, d.Components)
		}
	}
}
