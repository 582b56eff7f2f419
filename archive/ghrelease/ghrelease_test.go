package ghrelease

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sentrikat/sbompipe/internal/fakegithub"
)

// testAssets writes three release files and returns them as assets.
func testAssets(t *testing.T, cdx string) []Asset {
	dir := t.TempDir()
	files := []struct{ name, media, body string }{
		{"agent_v1.4.0.cdx.json", "application/vnd.cyclonedx+json", cdx},
		{"agent_v1.4.0.spdx.json", "application/spdx+json", `{"spdxVersion":"SPDX-2.3"}`},
		{"SHA256SUMS", "text/plain; charset=utf-8", "abc  agent_v1.4.0.cdx.json\n"},
	}
	var assets []Asset
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
		assets = append(assets, Asset{Name: f.name, Path: p, MediaType: f.media})
	}
	return assets
}

func publish(t *testing.T, f *fakegithub.Server, cfg Config, assets []Asset,
	opts Options) (*Result, error) {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p.Publish(context.Background(), "v1.4.0", assets, opts)
}

const (
	api     = "/api/v3/repos/acme/agent/releases"
	uploads = "/api/uploads/repos/acme/agent/releases"
)

func TestPublishCreatesDraftUploadsThenPublishes(t *testing.T) {
	f := fakegithub.New(t)
	f.AddRelease("v1.3.0", false)
	assets := testAssets(t, `{"bomFormat":"CycloneDX"}`)

	res, err := publish(t, f, config(f), assets, Options{Commit: "0123abcd"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Release("v1.4.0").Commit; got != "0123abcd" {
		t.Errorf("release created at %q, want the commit 0123abcd", got)
	}
	id := strconv.FormatInt(res.ReleaseID, 10)
	want := []string{
		"GET " + api + "/tags/v1.4.0",
		"GET " + api,
		"POST " + api,
		"GET " + api + "/" + id + "/assets",
		"POST " + uploads + "/" + id + "/assets?name=agent_v1.4.0.cdx.json",
		"POST " + uploads + "/" + id + "/assets?name=agent_v1.4.0.spdx.json",
		"POST " + uploads + "/" + id + "/assets?name=SHA256SUMS",
		"PATCH " + api + "/" + id,
	}
	if diff := cmp.Diff(want, f.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if !res.Created || !res.Published {
		t.Errorf("Created, Published = %v, %v; want true, true", res.Created, res.Published)
	}
	rel := f.Release("v1.4.0")
	if rel.Draft {
		t.Error("release still a draft after Publish")
	}
	for i, a := range rel.Assets {
		if a.ContentType != assets[i].MediaType {
			t.Errorf("asset %s uploaded as %q, want %q",
				a.Name, a.ContentType, assets[i].MediaType)
		}
		body, _ := os.ReadFile(assets[i].Path)
		if string(a.Data) != string(body) {
			t.Errorf("asset %s holds %q, want %q", a.Name, a.Data, body)
		}
	}
}

func TestPublishAgainChangesNothing(t *testing.T) {
	f := fakegithub.New(t)
	assets := testAssets(t, `{"bomFormat":"CycloneDX"}`)
	if _, err := publish(t, f, config(f), assets, Options{}); err != nil {
		t.Fatal(err)
	}
	before := len(f.Requests())

	res, err := publish(t, f, config(f), assets, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(res.ReleaseID, 10)
	want := []string{"GET " + api + "/tags/v1.4.0", "GET " + api + "/" + id + "/assets"}
	if diff := cmp.Diff(want, f.Requests()[before:]); diff != "" {
		t.Errorf("second run's requests (-want +got):\n%s", diff)
	}
	for _, a := range res.Assets {
		if a.Outcome != Unchanged {
			t.Errorf("%s: outcome %s, want %s", a.Name, a.Outcome, Unchanged)
		}
	}
	if res.Created || res.Published {
		t.Error("second run created or published a release")
	}
}

func TestPublishFindsDraftByListingAndLeavesItDraft(t *testing.T) {
	f := fakegithub.New(t)
	for i := 0; i < 150; i++ { // the draft is on the second page
		f.AddRelease("v0.0."+strconv.Itoa(i), false)
	}
	draft := f.AddRelease("v1.4.0", true)
	for i := 0; i < 120; i++ {
		f.AddRelease("v2.0."+strconv.Itoa(i), false)
	}

	res, err := publish(t, f, config(f), testAssets(t, "{}"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReleaseID != draft.ID || res.Created || res.Published {
		t.Errorf("got release %d created=%v published=%v; want the existing draft %d, untouched",
			res.ReleaseID, res.Created, res.Published, draft.ID)
	}
	if !draft.Draft || len(draft.Assets) != 3 {
		t.Errorf("draft=%v with %d assets; want a draft with 3", draft.Draft, len(draft.Assets))
	}
	var lists int
	for _, r := range f.Requests() {
		if strings.HasPrefix(r, "GET "+api) && r == "GET "+api {
			lists++
		}
		if strings.HasPrefix(r, "POST "+api) {
			t.Errorf("created a release although a draft exists: %s", r)
		}
	}
	if lists != 2 {
		t.Errorf("listed releases %d times, want 2 pages", lists)
	}
}

func TestPublishRefusesDifferentAsset(t *testing.T) {
	for _, tt := range []struct {
		name    string
		draft   bool
		replace bool
		wantErr string
	}{
		{"published", false, false, "not rewritten without --replace"},
		{"published with replace", false, true, "a published release's assets are not replaced"},
		{"draft without replace", true, false, "not rewritten without --replace"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := fakegithub.New(t)
			rel := f.AddRelease("v1.4.0", tt.draft)
			f.AddAsset(rel, "agent_v1.4.0.cdx.json", "uploaded", []byte("old bytes"))
			before := len(rel.Assets)

			assets := testAssets(t, "new bytes")
			_, err := publish(t, f, config(f), assets, Options{Replace: tt.replace})
			var conflict *ConflictError
			if !errors.As(err, &conflict) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want a *ConflictError containing %q", err, tt.wantErr)
			}
			// Both digests are named.
			for _, want := range []string{
				"different agent_v1.4.0.cdx.json", "GitHub: sha256:", "local: sha256:",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if len(rel.Assets) != before || string(rel.Assets[0].Data) != "old bytes" {
				t.Error("the existing asset was changed")
			}
			for _, r := range f.Requests() {
				if strings.HasPrefix(r, "DELETE") || strings.HasPrefix(r, "POST "+uploads) {
					t.Errorf("unexpected request %s", r)
				}
			}
		})
	}
}

func TestPublishReplacesOnDraft(t *testing.T) {
	f := fakegithub.New(t)
	rel := f.AddRelease("v1.4.0", true)
	f.AddAsset(rel, "agent_v1.4.0.cdx.json", "uploaded", []byte("old bytes"))
	old := rel.Assets[0].ID

	res, err := publish(t, f, config(f), testAssets(t, "new bytes"), Options{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Assets[0].Outcome != Replaced {
		t.Errorf("outcome %s, want %s", res.Assets[0].Outcome, Replaced)
	}
	want := "DELETE " + api + "/assets/" + strconv.FormatInt(old, 10)
	if reqs := f.Requests(); !contains(reqs, want) {
		t.Errorf("requests %v lack %s", reqs, want)
	}
	for _, a := range rel.Assets {
		if a.Name == "agent_v1.4.0.cdx.json" && string(a.Data) != "new bytes" {
			t.Errorf("asset holds %q after replace", a.Data)
		}
	}
}

// A 502 on the first upload leaves an empty "starter" asset: it is deleted
// and the file uploaded again, once.
func TestPublishRecoversFromStarterLeftover(t *testing.T) {
	f := fakegithub.New(t)
	f.Inject("upload",
		fakegithub.Fault{Status: 502, Body: `{"message":"Bad Gateway"}`, Keep: "starter"})

	res, err := publish(t, f, config(f), testAssets(t, "{}"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(res.ReleaseID, 10)
	reqs := f.Requests()
	cdx := "POST " + uploads + "/" + id + "/assets?name=agent_v1.4.0.cdx.json"
	if n := count(reqs, cdx); n != 2 {
		t.Errorf("%d uploads of the CycloneDX file, want 2 (the failed one and the retry)", n)
	}
	if n := countPrefix(reqs, "DELETE "+api+"/assets/"); n != 1 {
		t.Errorf("%d deletes, want 1 (the starter)", n)
	}
	checkOneOfEach(t, f.Release("v1.4.0"))
}

// An upload that worked but whose answer was lost is not uploaded again.
func TestPublishUploadThatSucceededDespite502(t *testing.T) {
	f := fakegithub.New(t)
	f.Inject("upload",
		fakegithub.Fault{Status: 502, Body: `{"message":"Bad Gateway"}`, Keep: "stored"})

	res, err := publish(t, f, config(f), testAssets(t, "{}"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(res.ReleaseID, 10)
	upload := "POST " + uploads + "/" + id + "/assets?name=agent_v1.4.0.cdx.json"
	if n := count(f.Requests(), upload); n != 1 {
		t.Errorf("%d uploads of the CycloneDX file, want 1", n)
	}
	checkOneOfEach(t, f.Release("v1.4.0"))
}

func TestPublishGivesUpAfterAttempts(t *testing.T) {
	f := fakegithub.New(t)
	for i := 0; i < 10; i++ {
		f.Inject("upload",
			fakegithub.Fault{Status: 503, Body: `{"message":"Service Unavailable"}`})
	}
	cfg := config(f)
	cfg.Attempts = 3
	_, err := publish(t, f, cfg, testAssets(t, "{}"), Options{})
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Fatalf("error = %v, want giving up after 3 attempts", err)
	}
}

func TestPublishWaitsOutRateLimits(t *testing.T) {
	// exhausted is the header of an answer that spent the quota until a
	// second from now.
	exhausted := func() map[string]string {
		reset := strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10)
		return map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": reset}
	}
	for _, tt := range []struct {
		name  string
		route string
		fault fakegithub.Fault
		min   time.Duration
	}{
		{"primary 403", "list-assets", fakegithub.Fault{Status: 403,
			Body:   `{"message":"API rate limit exceeded"}`,
			Header: exhausted()}, time.Second},
		{"secondary 403 retry-after", "upload", fakegithub.Fault{Status: 403,
			Body: `{"message":"You have exceeded a secondary rate limit",` +
				`"documentation_url":"https://docs.github.com/rest/overview/` +
				`rate-limits-for-the-rest-api#about-secondary-rate-limits"}`,
			Header: map[string]string{"Retry-After": "2"}}, 2 * time.Second},
		{"429 retry-after", "upload", fakegithub.Fault{Status: 429,
			Body:   `{"message":"Too Many Requests"}`,
			Header: map[string]string{"Retry-After": "1"}}, time.Second},
		{"429 reset", "get-by-tag", fakegithub.Fault{Status: 429,
			Body:   `{"message":"Too Many Requests"}`,
			Header: exhausted()}, time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := fakegithub.New(t)
			f.Inject(tt.route, tt.fault)
			var mu sync.Mutex
			var waits []time.Duration
			cfg := config(f)
			cfg.Sleep = func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				waits = append(waits, d)
				mu.Unlock()
				return sleep(ctx, d) // go-github refuses requests until the reset
			}
			if _, err := publish(t, f, cfg, testAssets(t, "{}"), Options{}); err != nil {
				t.Fatal(err)
			}
			if len(waits) != 1 || waits[0] < tt.min || waits[0] > tt.min+2*time.Second {
				t.Errorf("waits %v, want one of at least %s", waits, tt.min)
			}
			checkOneOfEach(t, f.Release("v1.4.0"))
		})
	}
}

func TestPublishRateLimitWaitIsCapped(t *testing.T) {
	f := fakegithub.New(t)
	f.Inject("get-by-tag", fakegithub.Fault{Status: 429, Body: `{"message":"Too Many Requests"}`,
		Header: map[string]string{"Retry-After": "3600"}})
	cfg := config(f)
	cfg.MaxWait = 30 * time.Second
	cfg.Sleep = func(context.Context, time.Duration) error {
		t.Error("slept although the wait is over the cap")
		return nil
	}
	_, err := publish(t, f, cfg, testAssets(t, "{}"), Options{})
	if err == nil || !strings.Contains(err.Error(), "rate limited by GitHub") {
		t.Fatalf("error = %v, want a rate-limit error", err)
	}
}

// Older Enterprise Servers give no digest: the asset is downloaded and
// compared instead.
func TestPublishWithoutDigestCompareByDownload(t *testing.T) {
	f := fakegithub.New(t)
	f.NoDigest = true
	assets := testAssets(t, "{}")
	rel := f.AddRelease("v1.4.0", false)
	for _, a := range assets {
		body, _ := os.ReadFile(a.Path)
		f.AddAsset(rel, a.Name, "uploaded", body)
	}
	res, err := publish(t, f, config(f), assets, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assets {
		if a.Outcome != Unchanged {
			t.Errorf("%s: %s, want unchanged", a.Name, a.Outcome)
		}
	}
	if n := countPrefix(f.Requests(), "GET "+api+"/assets/"); n != 3 {
		t.Errorf("%d downloads, want 3", n)
	}

	f.AddAsset(rel, "extra", "uploaded", nil)
	rel.Assets[0].Data = []byte("{ }") // same size, other bytes
	_, err = publish(t, f, config(f), assets, Options{})
	if err == nil || !strings.Contains(err.Error(), "different agent_v1.4.0.cdx.json") {
		t.Fatalf("error = %v, want a different-asset error", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Repository: "acme/agent"},
		{Token: "t", Repository: "acme"},
		{Token: "t", Repository: "acme/agent/x"},
		{Token: "t", Repository: "acme/agent", APIURL: "not a url"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestBadCredentials(t *testing.T) {
	f := fakegithub.New(t)
	cfg := config(f)
	cfg.Token = "wrong"
	_, err := publish(t, f, cfg, testAssets(t, "{}"), Options{})
	if err == nil || !strings.Contains(err.Error(), "401") ||
		strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error = %v, want a 401 that does not print the token", err)
	}
}

func TestUploadURLFor(t *testing.T) {
	for in, want := range map[string]string{
		"https://ghe.example.com/api/v3":  "https://ghe.example.com/api/uploads/",
		"https://ghe.example.com/api/v3/": "https://ghe.example.com/api/uploads/",
		"https://api.acme.ghe.com":        "https://uploads.acme.ghe.com/",
	} {
		got, err := uploadURLFor(in)
		if err != nil || got != want {
			t.Errorf("uploadURLFor(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestAssetChecks(t *testing.T) {
	a := testAssets(t, "{}")
	for name, assets := range map[string][]Asset{
		"bad name": {{Name: "a b.json", Path: a[0].Path, MediaType: "x/y"}},
		"twice":    {a[0], a[0]},
		"no media": {{Name: "x.json", Path: a[0].Path}},
		"no file": {{Name: "x.json", Path: filepath.Join(t.TempDir(), "missing"),
			MediaType: "x/y"}},
	} {
		f := fakegithub.New(t)
		if _, err := publish(t, f, config(f), assets, Options{}); err == nil {
			t.Errorf("%s: Publish succeeded, want an error", name)
		}
		if n := len(f.Requests()); n != 0 {
			t.Errorf("%s: %d requests made before the assets were checked", name, n)
		}
	}
}

// config is a Config for the fake server that does not wait.
func config(f *fakegithub.Server) Config {
	return Config{
		Token:      f.Token,
		Repository: fakegithub.Repository,
		APIURL:     f.APIURL(),
		Sleep:      func(context.Context, time.Duration) error { return nil },
	}
}

func checkOneOfEach(t *testing.T, rel *fakegithub.Release) {
	t.Helper()
	seen := map[string]int{}
	for _, a := range rel.Assets {
		seen[a.Name]++
		if a.State != "uploaded" {
			t.Errorf("asset %s left in state %s", a.Name, a.State)
		}
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("asset %s is on the release %d times", name, n)
		}
	}
	if len(seen) != 3 {
		t.Errorf("release has %d assets, want 3", len(seen))
	}
}

func contains(list []string, s string) bool { return count(list, s) > 0 }

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			n++
		}
	}
	return n
}
