package archive

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Kind is an SBOM format and encoding that the archive stores.
type Kind int

// The kinds of document the archive accepts.
const (
	CycloneDXJSON Kind = iota + 1
	CycloneDXXML
	SPDXJSON
	SPDXTagValue
)

var kinds = []struct {
	name, format, ext, mediaType string
}{
	CycloneDXJSON: {"cyclonedx-json", "cyclonedx", ".cdx.json", "application/vnd.cyclonedx+json"},
	CycloneDXXML:  {"cyclonedx-xml", "cyclonedx", ".cdx.xml", "application/vnd.cyclonedx+xml"},
	SPDXJSON:      {"spdx-json", "spdx", ".spdx.json", "application/spdx+json"},
	SPDXTagValue:  {"spdx-tag-value", "spdx", ".spdx", "text/spdx"},
}

func (k Kind) valid() bool { return k > 0 && int(k) < len(kinds) }

// String returns the kind's name as the sbom command spells it:
// "cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value".
func (k Kind) String() string {
	if !k.valid() {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kinds[k].name
}

// Format returns "cyclonedx" or "spdx", the index's format field.
func (k Kind) Format() string { return kinds[k].format }

// Ext returns the file name extension the store gives the kind.
func (k Kind) Ext() string { return kinds[k].ext }

// MediaType returns the registered media type, without parameters.
func (k Kind) MediaType() string { return kinds[k].mediaType }

// KindOf returns the kind whose media type is mediaType, or 0.
func KindOf(mediaType string) Kind {
	for k := range kinds {
		if k > 0 && kinds[k].mediaType == mediaType {
			return Kind(k)
		}
	}
	return 0
}

// MaxDocumentSize is the largest document the archive stores.
const MaxDocumentSize = 256 << 20

// Detect reads an SBOM document and returns what the index records about
// it: format, spec version, media type, component count, size and SHA-256.
// Path is left empty. name is used in errors only. A document that is not
// CycloneDX (JSON or XML) or SPDX 2 (JSON or tag-value) is an error naming
// it, with a line number where one helps.
func Detect(name string, data []byte) (Document, error) {
	body := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	var (
		d   Document
		err error
	)
	switch {
	case len(data) > MaxDocumentSize:
		// data may be cut at the limit by the caller: no byte count.
		err = fmt.Errorf("%s: larger than the %d MiB limit of an archive document",
			name, MaxDocumentSize>>20)
	case len(body) == 0:
		err = fmt.Errorf("%s: empty file, not an SBOM", name)
	case body[0] == '{':
		d, err = detectJSON(name, data)
	case body[0] == '<':
		d, err = detectXML(name, data)
	default:
		d, err = detectTagValue(name, data)
	}
	if err != nil {
		return Document{}, err
	}
	sum := sha256.Sum256(data)
	d.SHA256 = hex.EncodeToString(sum[:])
	d.Size = int64(len(data))
	return d, nil
}

var (
	cdxVersionRE  = regexp.MustCompile(`^1\.[0-9]+$`)
	spdxVersionRE = regexp.MustCompile(`^SPDX-2\.[0-9]+$`)
)

// jsonDoc holds the fields of CycloneDX and SPDX JSON that Detect reads.
type jsonDoc struct {
	BOMFormat   *string        `json:"bomFormat"`
	SpecVersion string         `json:"specVersion"`
	Components  []cdxComponent `json:"components"`

	SPDXVersion       *string  `json:"spdxVersion"`
	DocumentDescribes []string `json:"documentDescribes"`
	Packages          []struct {
		SPDXID string `json:"SPDXID"`
	} `json:"packages"`
	Relationships []struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	} `json:"relationships"`
}

type cdxComponent struct {
	Components []cdxComponent `json:"components"`
}

func countComponents(cs []cdxComponent) int {
	n := len(cs)
	for _, c := range cs {
		n += countComponents(c.Components)
	}
	return n
}

func detectJSON(name string, data []byte) (Document, error) {
	var doc jsonDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return Document{}, jsonError(name, data, err)
	}
	switch {
	case doc.BOMFormat != nil:
		if *doc.BOMFormat != "CycloneDX" {
			return Document{}, fmt.Errorf("%s: bomFormat is %q, want \"CycloneDX\"",
				name, *doc.BOMFormat)
		}
		if !cdxVersionRE.MatchString(doc.SpecVersion) {
			return Document{}, fmt.Errorf("%s: CycloneDX specVersion %q is not 1.x",
				name, doc.SpecVersion)
		}
		return Document{
			Format:      "cyclonedx",
			SpecVersion: doc.SpecVersion,
			MediaType:   CycloneDXJSON.MediaType(),
			Components:  countComponents(doc.Components),
		}, nil
	case doc.SPDXVersion != nil:
		if !spdxVersionRE.MatchString(*doc.SPDXVersion) {
			return Document{}, fmt.Errorf("%s: spdxVersion %q is not SPDX-2.x",
				name, *doc.SPDXVersion)
		}
		described := map[string]bool{}
		for _, id := range doc.DocumentDescribes {
			described[id] = true
		}
		for _, r := range doc.Relationships {
			switch {
			case r.Element == "SPDXRef-DOCUMENT" && r.Type == "DESCRIBES":
				described[r.Related] = true
			case r.Related == "SPDXRef-DOCUMENT" && r.Type == "DESCRIBED_BY":
				described[r.Element] = true
			}
		}
		n := 0
		for _, p := range doc.Packages {
			if !described[p.SPDXID] {
				n++
			}
		}
		return Document{
			Format:      "spdx",
			SpecVersion: strings.TrimPrefix(*doc.SPDXVersion, "SPDX-"),
			MediaType:   SPDXJSON.MediaType(),
			Components:  n,
		}, nil
	}
	return Document{}, fmt.Errorf("%s: JSON without bomFormat or spdxVersion: "+
		"not a CycloneDX or SPDX document", name)
}

// jsonError turns a decoding error into one that names the file and line.
func jsonError(name string, data []byte, err error) error {
	return jsonErrorAs(name, "not an SBOM", data, err)
}

// jsonErrorAs is jsonError for a file that is not an SBOM: what says what
// it is not ("not an index").
func jsonErrorAs(name, what string, data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return fmt.Errorf("%s: %s: %v", name, what, err)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Errorf("%s:%d: %s: %v", name, line, what, err)
}

const cdxNamespace = "http://cyclonedx.org/schema/bom/"

func detectXML(name string, data []byte) (Document, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var (
		stack   []string
		version string
		n       int
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return Document{}, fmt.Errorf("%s:%d: not an SBOM: %v", name, line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				v, ok := strings.CutPrefix(t.Name.Space, cdxNamespace)
				if t.Name.Local != "bom" || !ok || !cdxVersionRE.MatchString(v) {
					line, _ := dec.InputPos()
					return Document{}, fmt.Errorf(
						"%s:%d: XML root <%s xmlns=%q> is not a CycloneDX bom",
						name, line, t.Name.Local, t.Name.Space)
				}
				version = v
			}
			// Components of the BOM and their sub-components, not those of
			// metadata (the tools that wrote it), as for JSON.
			if t.Name.Local == "component" && len(stack) > 0 &&
				stack[len(stack)-1] == "components" && !slices.Contains(stack, "metadata") {
				n++
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if version == "" {
		return Document{}, fmt.Errorf("%s: XML without a root element: not an SBOM", name)
	}
	return Document{
		Format:      "cyclonedx",
		SpecVersion: version,
		MediaType:   CycloneDXXML.MediaType(),
		Components:  n,
	}, nil
}

// detectTagValue reads an SPDX 2 tag-value document: the SPDXVersion tag,
// the packages and the DESCRIBES relationships. Multi-line <text> values
// are skipped so that their contents are not taken for tags.
func detectTagValue(name string, data []byte) (Document, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	var (
		version   string
		lineNo    int
		inText    bool
		packages  []string // SPDXIDs, "" until the package's SPDXID tag
		inPackage bool
		described = map[string]bool{}
	)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if inText {
			inText = !strings.Contains(line, "</text>")
			continue
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tag, value, ok := strings.Cut(line, ":")
		if !ok {
			if version == "" {
				return Document{}, fmt.Errorf(
					"%s:%d: not an SBOM: want SPDX tag-value \"Tag: value\" lines", name, lineNo)
			}
			continue
		}
		value = strings.TrimSpace(value)
		if strings.HasPrefix(value, "<text>") && !strings.Contains(value, "</text>") {
			inText = true
		}
		switch tag {
		case "SPDXVersion":
			if !spdxVersionRE.MatchString(value) {
				return Document{}, fmt.Errorf("%s:%d: SPDXVersion %q is not SPDX-2.x",
					name, lineNo, value)
			}
			version = strings.TrimPrefix(value, "SPDX-")
		case "PackageName":
			packages = append(packages, "")
			inPackage = true
		case "SPDXID":
			if inPackage && packages[len(packages)-1] == "" {
				packages[len(packages)-1] = value
			}
		case "FileName", "SnippetSPDXID", "LicenseID":
			inPackage = false
		case "Relationship":
			f := strings.Fields(value)
			if len(f) == 3 && f[0] == "SPDXRef-DOCUMENT" && f[1] == "DESCRIBES" {
				described[f[2]] = true
			}
			if len(f) == 3 && f[2] == "SPDXRef-DOCUMENT" && f[1] == "DESCRIBED_BY" {
				described[f[0]] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Document{}, fmt.Errorf("%s:%d: %v", name, lineNo+1, err)
	}
	if version == "" {
		return Document{}, fmt.Errorf("%s: not an SBOM: no SPDXVersion tag", name)
	}
	n := 0
	for _, id := range packages {
		if !described[id] {
			n++
		}
	}
	return Document{
		Format:      "spdx",
		SpecVersion: version,
		MediaType:   SPDXTagValue.MediaType(),
		Components:  n,
	}, nil
}
