package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAddLayout(t *testing.T) {
	s, dir := newFileStore(t)
	res := mustAdd(t, s, "agent", "v1.4.0", []Input{
		fixture(t, "agent.cdx.json"), fixture(t, "agent.spdx.json"),
		fixture(t, "agent.cdx.xml"), fixture(t, "agent.spdx"),
	})
	for _, r := range res {
		if r.Outcome != Added {
			t.Errorf("%s: outcome %s, want added", r.Source, r.Outcome)
		}
	}
	var got []string
	for name := range snapshot(t, dir) {
		got = append(got, name)
	}
	sort.Strings(got)
	want := []string{
		"agent/v1.4.0/SHA256SUMS",
		"agent/v1.4.0/agent_v1.4.0.cdx.json",
		"agent/v1.4.0/agent_v1.4.0.cdx.xml",
		"agent/v1.4.0/agent_v1.4.0.spdx",
		"agent/v1.4.0/agent_v1.4.0.spdx.json",
		"agent/v1.4.0/release.json",
		"favicon.svg", "feed.xml", "index.html", "index.json", "sbom.css", "site.json",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("store files (-want +got):\n%s", diff)
	}
	files := snapshot(t, dir)
	if files["agent/v1.4.0/agent_v1.4.0.cdx.json"] != string(fixture(t, "agent.cdx.json").Data) {
		t.Error("stored CycloneDX document differs from the input")
	}
	sums := files["agent/v1.4.0/SHA256SUMS"]
	wantSums := digest(fixture(t, "agent.cdx.json").Data) + "  agent_v1.4.0.cdx.json\n" +
		digest(fixture(t, "agent.cdx.xml").Data) + "  agent_v1.4.0.cdx.xml\n" +
		digest(fixture(t, "agent.spdx").Data) + "  agent_v1.4.0.spdx\n" +
		digest(fixture(t, "agent.spdx.json").Data) + "  agent_v1.4.0.spdx.json\n"
	if sums != wantSums {
		t.Errorf("SHA256SUMS =\n%s\nwant\n%s", sums, wantSums)
	}
	ix, err := ParseIndex("index.json", []byte(files["index.json"]))
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Products) != 1 || len(ix.Products[0].Releases) != 1 ||
		len(ix.Products[0].Releases[0].Documents) != 4 {
		t.Fatalf("index = %+v, want one product with one release of four documents", ix)
	}
	if !ix.Generated.Equal(epoch) {
		t.Errorf("generated = %v, want the publish time %v", ix.Generated, epoch)
	}
}

func TestReindexReproduces(t *testing.T) {
	s, dir := newFileStore(t)
	ctx := context.Background()
	mustAdd(t, s, "agent", "v1.0.0", release("a1", 3))
	mustAdd(t, s, "agent", "v1.1.0", release("a2", 4))
	mustAdd(t, s, "console", "2026.04", release("c1", 2))
	if _, err := s.Add(ctx, AddOptions{Product: "agent", Release: "v1.0.0", Replace: true,
		Files: []Input{{Name: "fixed.cdx.json", Data: cdxDoc("a1-fixed", 3)}}}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	for _, name := range []string{indexJSON, indexHTML, feedXML, styleCSS} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("regenerated index files differ (-before +after):\n%s", diff)
	}
	// A second store opened on the same folder renders the same bytes.
	other, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, files, err := other.render(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if string(f.data) != before[f.name] {
			t.Errorf("%s rendered by another Store differs", f.name)
		}
	}
}

func TestAddOutcomes(t *testing.T) {
	ctx := context.Background()
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	stored := snapshot(t, dir)

	// The same bytes again: unchanged, and not one byte of the store moves.
	res := mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	for _, r := range res {
		if r.Outcome != Unchanged {
			t.Errorf("re-add %s: outcome %s, want unchanged", r.Source, r.Outcome)
		}
	}
	if diff := cmp.Diff(stored, snapshot(t, dir)); diff != "" {
		t.Errorf("re-adding the same bytes changed the store:\n%s", diff)
	}

	// Different bytes: refused, naming the file and both digests, and
	// nothing written — not even the unchanged document.
	changed := []Input{release("one", 2)[1], {Name: "new.cdx.json", Data: cdxDoc("two", 2)}}
	_, err := s.Add(ctx, AddOptions{Product: "agent", Release: "v1.0.0", Files: changed})
	var refused *RefusedError
	if !errors.As(err, &refused) || len(refused.Refused) != 1 {
		t.Fatalf("Add with different bytes: error %v, want a RefusedError for one file", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"agent/v1.0.0/agent_v1.0.0.cdx.json", digest(cdxDoc("one", 2)), digest(cdxDoc("two", 2)),
		"--replace",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not mention %q", msg, want)
		}
	}
	if diff := cmp.Diff(stored, snapshot(t, dir)); diff != "" {
		t.Errorf("a refused add changed the store:\n%s", diff)
	}

	// A new kind of document for a published release is refused too.
	_, err = s.Add(ctx, AddOptions{Product: "agent", Release: "v1.0.0",
		Files: []Input{fixture(t, "agent.cdx.xml")}})
	if !errors.As(err, &refused) ||
		!strings.Contains(err.Error(), "published without a cyclonedx-xml document") {
		t.Fatalf("adding a document to a published release: error %v, want a refusal", err)
	}

	// With --replace both go through and the index records them.
	res, err = s.Add(ctx, AddOptions{Product: "agent", Release: "v1.0.0", Replace: true,
		Files: append(changed, fixture(t, "agent.cdx.xml"))})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []Outcome
	for _, r := range res {
		outcomes = append(outcomes, r.Outcome)
	}
	if diff := cmp.Diff([]Outcome{Unchanged, Replaced, Added}, outcomes); diff != "" {
		t.Errorf("replace outcomes (-want +got):\n%s", diff)
	}
	ix, err := ParseIndex("index.json", []byte(snapshot(t, dir)["index.json"]))
	if err != nil {
		t.Fatal(err)
	}
	r := ix.Products[0].Releases[0]
	if len(r.Replaced) != 2 {
		t.Fatalf("replaced = %+v, want two records", r.Replaced)
	}
	if r.Replaced[0].OldSHA256 != digest(cdxDoc("one", 2)) ||
		r.Replaced[0].SHA256 != digest(cdxDoc("two", 2)) {
		t.Errorf("replace record %+v does not carry the old and new digests", r.Replaced[0])
	}
	if r.Replaced[1].OldSHA256 != "" || r.Replaced[1].Path != "agent/v1.0.0/agent_v1.0.0.cdx.xml" {
		t.Errorf("addition record %+v, want the XML document with no old digest", r.Replaced[1])
	}
	if !r.Published.Equal(epoch) || !ix.Generated.Equal(r.Replaced[1].Time) ||
		!ix.Generated.After(epoch) {
		t.Errorf("published %v, generated %v: "+
			"want the first publish time kept and generated at the replace",
			r.Published, ix.Generated)
	}
	rep, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("verify after replace: %+v", rep.Problems)
	}
}

func TestAddRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		opts AddOptions
		want string
	}{
		{"traversal", AddOptions{Product: "..", Release: "v1"}, `product name ".."`},
		{"slash", AddOptions{Product: "agent", Release: "v1/../../x"},
			`release name "v1/../../x"`},
		{"space", AddOptions{Product: "my agent", Release: "v1"}, `product name "my agent"`},
		{"nul", AddOptions{Product: "agent", Release: "v1\x00"}, `release name`},
		{"long", AddOptions{Product: "agent", Release: strings.Repeat("9", 129)}, "at most 128"},
		{"trailing dots", AddOptions{Product: "agent", Release: "v2..", Files: release("x", 1)},
			`release name "v2..": a name may not contain ".." or end in "."`},
		{"trailing dot", AddOptions{Product: "agent.", Release: "v2", Files: release("x", 1)},
			`product name "agent."`},
		{"store file", AddOptions{Product: "index.json", Release: "v1", Files: release("x", 1)},
			`product name "index.json" is reserved`},
		{"store file in other case",
			AddOptions{Product: "Feed.xml", Release: "v1", Files: release("x", 1)},
			`product name "Feed.xml" is reserved`},
		{"no files", AddOptions{Product: "agent", Release: "v1"}, "no documents"},
		{"not an sbom", AddOptions{Product: "agent", Release: "v1",
			Files: []Input{{Name: "reqs.txt", Data: []byte("idna==3.7\n")}}},
			"reqs.txt:1: not an SBOM"},
		{"two of a kind", AddOptions{Product: "agent", Release: "v1",
			Files: []Input{
				{Name: "a.json", Data: cdxDoc("a", 1)},
				{Name: "b.json", Data: cdxDoc("b", 1)},
			}},
			"a.json and b.json are both cyclonedx-json documents"},
		{"bad contact", AddOptions{Product: "agent", Release: "v1",
			Contact: "Security <sec@example.com>", Files: release("x", 1)},
			"not a plain email address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := newFileStore(t)
			_, err := s.Add(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add error = %v, want one containing %q", err, tt.want)
			}
			if files := snapshot(t, dir); len(files) != 0 {
				t.Errorf("a refused add wrote %d files", len(files))
			}
		})
	}
}

func TestReleaseOrder(t *testing.T) {
	rel := func(name string, minute int) Release {
		return Release{Release: name, Published: epoch.Add(time.Duration(minute) * time.Minute)}
	}
	in := []Release{
		rel("nightly-2", 9), rel("v1.10.0", 1), rel("1.9.0", 8), rel("v2.0.0-rc.1", 7),
		rel("v2.0.0", 2), rel("nightly-1", 5), rel("v1.10.0+build.2", 6),
	}
	ix := buildIndex(func() []releaseMeta {
		var ms []releaseMeta
		for _, r := range in {
			ms = append(ms, releaseMeta{Product: "agent", Release: r})
		}
		return ms
	}())
	var got []string
	for _, r := range ix.Products[0].Releases {
		got = append(got, r.Release)
	}
	want := []string{
		"v2.0.0", "v2.0.0-rc.1", "v1.10.0+build.2", "v1.10.0", "1.9.0", "nightly-2", "nightly-1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("release order (-want +got):\n%s", diff)
	}
	if !ix.Generated.Equal(epoch.Add(9 * time.Minute)) {
		t.Errorf("generated = %v, want the newest publish time", ix.Generated)
	}
}

func TestLocation(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), "file://"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := s.Location("index.json"), filepath.Join(dir, "index.json"); got != want {
		t.Errorf("Location(index.json) = %q, want %q", got, want)
	}
	s3 := &Store{url: "s3://sboms?region=eu-central-1&endpoint=http://127.0.0.1:7070"}
	got, want := s3.Location("agent/v1/SHA256SUMS"), "s3://sboms/agent/v1/SHA256SUMS"
	if got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
}

// A store folder reached through a symbolic link is the folder it points
// to: adding through the link keeps every release.
func TestSymlinkedStore(t *testing.T) {
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1", release("a1", 1))
	mustAdd(t, s, "agent", "v2", release("a2", 1))
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	viaLink, err := Open(ctx, "file://"+link, Options{Now: clock(epoch.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	defer viaLink.Close()
	mustAdd(t, viaLink, "agent", "v3", release("a3", 1))

	ix, err := s.Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ix.Products {
		for _, r := range p.Releases {
			got = append(got, p.Name+" "+r.Release)
		}
	}
	if diff := cmp.Diff([]string{"agent v3", "agent v2", "agent v1"}, got); diff != "" {
		t.Errorf("releases after an add through a link (-want +got):\n%s", diff)
	}
	rep, err := viaLink.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 || rep.Releases != 3 {
		t.Errorf("Verify through the link = %d releases, problems %+v; want 3 and none",
			rep.Releases, rep.Problems)
	}
}

// An index update never drops a release that index.json names: a store
// that lists fewer was not read whole.
func TestReindexKeepsPublishedReleases(t *testing.T) {
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1", release("a1", 1))
	mustAdd(t, s, "agent", "v2", release("a2", 1))
	mustAdd(t, s, "console", "v1", release("c1", 1))
	before := snapshot(t, dir)

	// Listing does not descend into a folder that is a symbolic link.
	moved := filepath.Join(t.TempDir(), "agent")
	if err := os.Rename(filepath.Join(dir, "agent"), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, filepath.Join(dir, "agent")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err := s.Reindex(ctx)
	if err == nil || !strings.Contains(err.Error(), "agent v2, agent v1") {
		t.Errorf("Reindex error = %v, want one naming agent v2, agent v1", err)
	}
	_, err = s.Add(ctx, AddOptions{Product: "console", Release: "v2", Files: release("c2", 1)})
	if err == nil {
		t.Error("Add published an index without agent's releases")
	}
	for _, name := range []string{indexJSON, indexHTML, feedXML} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(data) != before[name] {
			t.Errorf("%s was rewritten (%v)", name, err)
		}
	}
}

// An index update never publishes a release.json changed behind
// sbompipe's back (an attack had a release, then archive verify, pass a
// forged document off as the published one), nor goes on without a
// readable index.json; deleting index.json accepts the store as it is.
func TestReindexRefusesChangedReleases(t *testing.T) {
	ctx := context.Background()
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1", release("a1", 1))
	mustAdd(t, s, "agent", "v2", release("a2", 1))

	// The forger rewrites v1's document, SHA256SUMS and release.json to
	// agree with each other.
	rel := filepath.Join(dir, "agent", "v1")
	forged := cdxDoc("forged", 2)
	if err := os.WriteFile(filepath.Join(rel, "sbom.cdx.json"), forged, 0o644); err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	data, err := os.ReadFile(filepath.Join(rel, releaseJSON))
	if err != nil || json.Unmarshal(data, &meta) != nil {
		t.Fatalf("reading release.json: %v", err)
	}
	sum := sha256.Sum256(forged)
	for _, d := range meta["documents"].([]any) {
		if d := d.(map[string]any); strings.HasSuffix(d["path"].(string), ".cdx.json") {
			d["sha256"], d["size"] = hex.EncodeToString(sum[:]), len(forged)
		}
	}
	data, _ = json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(rel, releaseJSON), data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	_, err = s.Add(ctx, AddOptions{Product: "agent", Release: "v3", Files: release("a3", 1)})
	if err == nil || !strings.Contains(err.Error(), "release.json of agent v1 differs") {
		t.Errorf("Add after the forgery: %v, want a refusal naming agent v1", err)
	}
	if err := s.Reindex(ctx); err == nil || !strings.Contains(err.Error(), "agent v1") {
		t.Errorf("Reindex after the forgery: %v, want a refusal naming agent v1", err)
	}
	for _, name := range []string{indexJSON, indexHTML, feedXML} {
		if got := snapshot(t, dir)[name]; got != before[name] {
			t.Errorf("%s was rewritten", name)
		}
	}
	rep, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(rep.Problems), "records no replacement") {
		t.Errorf("verify does not say the release.json was changed: %v", rep.Problems)
	}

	// An index.json that cannot be read stops updates too.
	if err := os.WriteFile(filepath.Join(dir, indexJSON), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reindex(ctx); err == nil || !strings.Contains(err.Error(), "delete index.json") ||
		!strings.Contains(err.Error(), "index.json:1: not an archive index") {
		t.Errorf("Reindex with a garbled index.json: %v, want a refusal that says what is wrong", err)
	}

	// Deleting it is the deliberate way to publish the store as it is.
	if err := os.Remove(filepath.Join(dir, indexJSON)); err != nil {
		t.Fatal(err)
	}
	if err := s.Reindex(ctx); err != nil {
		t.Errorf("Reindex without index.json: %v", err)
	}
}

// TestAddRefusesCaseTwins: a product or release that differs from a stored
// one only in case is refused, on a file store and on S3 alike, before
// anything is written; the stored release and another product's are not.
func TestAddRefusesCaseTwins(t *testing.T) {
	stores := map[string]func(t *testing.T) (*Store, string){
		"file": func(t *testing.T) (*Store, string) { return newFileStore(t) },
		"s3": func(t *testing.T) (*Store, string) {
			s, _, dir := newS3Store(t)
			return s, dir
		},
	}
	for kind, open := range stores {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s, dir := open(t)
			mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
			before := snapshot(t, dir)
			for _, tt := range []struct{ product, release, want string }{
				{"Agent", "v2.0.0", `product "Agent" differs only in case from the stored product "agent"`},
				{"agent", "V1.0.0", `release "V1.0.0" differs only in case from the stored release "v1.0.0"`},
			} {
				_, err := s.Add(ctx, AddOptions{Product: tt.product, Release: tt.release,
					Files: release("two", 1)})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Add %s %s: %v, want %q", tt.product, tt.release, err, tt.want)
				}
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("refused adds changed the store:\n%s", diff)
			}
			// Names that only share a prefix, or a release of another
			// product, are not twins.
			mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
			mustAdd(t, s, "agent", "v1.0.0-rc.1", release("three", 1))
			mustAdd(t, s, "agent-cli", "V1.0.0", release("four", 1))
		})
	}
}
