package archive

import (
	"bytes"
	"context"
	"encoding/xml"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func indexSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "docs", "index.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatalf("compiling docs/index.schema.json: %v", err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

// TestIndexSchema validates a real index.json against the schema in docs/,
// and checks that the schema refuses what it should.
func TestIndexSchema(t *testing.T) {
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1.4.0", []Input{
		fixture(t, "agent.cdx.json"), fixture(t, "agent.spdx.json"),
		fixture(t, "agent.cdx.xml"), fixture(t, "agent.spdx"),
	})
	mustAdd(t, s, "agent", "v1.5.0+b.1", release("b1", 1))
	if _, err := s.Add(context.Background(), AddOptions{
		Product: "agent",
		Release: "v1.5.0+b.1",
		Replace: true,
		Files:   []Input{{Name: "x.json", Data: cdxDoc("b2", 1)}},
	}); err != nil {
		t.Fatal(err)
	}
	sch := indexSchema(t)
	good := read(t, dir, indexJSON)
	if err := validate(t, sch, good); err != nil {
		t.Fatalf("index.json does not validate:\n%v\n%s", err, good)
	}
	bad := map[string]string{
		"short digest": strings.Replace(string(good), `"sha256": "`, `"sha256": "abc`, 1),
		"traversal path": strings.Replace(string(good),
			`"path": "agent/`, `"path": "../agent/`, 1),
		"fractional seconds": strings.Replace(string(good), `:00Z"`, `:00.5Z"`, 1),
		"unknown field": strings.Replace(string(good),
			`"schemaVersion": 1,`, `"schemaVersion": 1, "extra": true,`, 1),
		"no documents": `{"schemaVersion": 1, "generated": "2026-04-17T09:00:00Z", ` +
			`"products": [{"name": "a", "releases": [{"release": "1", ` +
			`"published": "2026-04-17T09:00:00Z", "documents": []}]}]}`,
	}
	for name, doc := range bad {
		if doc == string(good) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if err := validate(t, sch, []byte(doc)); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

// TestPageIsStatic checks the page for what a strict CSP blocks; the
// Chromium test in cmd/sbompipe loads it for real.
func TestPageIsStatic(t *testing.T) {
	s, dir := newFileStore(t)
	ctx := context.Background()
	mustAdd(t, s, "agent", "v1.4.0",
		[]Input{fixture(t, "agent.cdx.json"), fixture(t, "agent.spdx.json")})
	if _, err := s.Add(ctx, AddOptions{
		Product: "console",
		Release: "2026.04",
		Files:   release("c", 2),
		Contact: "sbom-requests@example.com",
	}); err != nil {
		t.Fatal(err)
	}
	page := string(read(t, dir, indexHTML))
	for _, re := range []string{
		`(?i)<script`, `(?i)<style`, `(?i)\sstyle=`, `(?i)\son[a-z]+=`,
		`(?i)javascript:`, `(?i)<form`, `(?i)<base`, `(?i)data:`,
	} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("index.html matches %s, which the CSP forbids", re)
		}
	}
	for _, want := range []string{
		`<html lang="en">`,
		`href="agent/v1.4.0/agent_v1.4.0.cdx.json"`,
		digest(fixture(t, "agent.cdx.json").Data),
		`href="mailto:sbom-requests@example.com?subject=Request%20for%20an%20archived%20SBOM"`,
		`<td class="nowrap">CycloneDX 1.6 JSON</td>`,
		`<th scope="col">SHA-256</th>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}

func TestFeed(t *testing.T) {
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1.0.0", release("a", 1))
	mustAdd(t, s, "agent", "v1.1.0", release("b", 1))
	var feed struct {
		ID      string `xml:"id"`
		Updated string `xml:"updated"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Links   []struct {
				Rel  string `xml:"rel,attr"`
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	data := read(t, dir, feedXML)
	if err := xml.Unmarshal(data, &feed); err != nil {
		t.Fatalf("feed.xml: %v", err)
	}
	if !strings.HasPrefix(feed.ID, "urn:uuid:") || feed.Updated != "2026-04-17T09:01:00Z" {
		t.Errorf("feed id %q updated %q, want a urn:uuid and the newest publish time",
			feed.ID, feed.Updated)
	}
	if len(feed.Entries) != 2 || feed.Entries[0].Title != "agent v1.1.0" ||
		feed.Entries[0].ID == feed.Entries[1].ID {
		t.Fatalf("feed entries = %+v, want v1.1.0 then v1.0.0 with distinct ids", feed.Entries)
	}
	var enclosures []string
	for _, l := range feed.Entries[0].Links {
		if l.Rel == "enclosure" {
			enclosures = append(enclosures, l.Href)
		}
	}
	if len(enclosures) != 2 || enclosures[0] != "agent/v1.1.0/agent_v1.1.0.cdx.json" {
		t.Errorf("enclosures = %q, want the release's two documents", enclosures)
	}
}

func FuzzParseIndex(f *testing.F) {
	s, dir := newFileStore(f)
	mustAdd(f, s, "agent", "v1.0.0", release("a", 2))
	f.Add(read(f, dir, indexJSON))
	f.Add([]byte(`{"schemaVersion": 1, "products": [{"name": "..", "releases": []}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := ParseIndex("fuzz", data)
		if err != nil {
			return
		}
		for _, p := range ix.Products {
			for _, r := range p.Releases {
				for _, d := range r.Documents {
					if strings.Contains(d.Path, "..") || strings.HasPrefix(d.Path, "/") ||
						strings.Contains(d.Path, ":") {
						t.Errorf("ParseIndex accepted the path %q", d.Path)
					}
				}
			}
		}
	})
}
