package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

const wantCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'; report-uri /sbom/csp-report; report-to csp"

// servedStore returns a handler on a store with one release, its folder
// and the log the handler writes.
func servedStore(t *testing.T) (http.Handler, string, *testparts.SyncBuffer) {
	t.Helper()
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	logs := new(testparts.SyncBuffer)
	h := Handler(s, HandlerOptions{Prefix: "/sbom", Log: slog.New(slog.NewTextHandler(logs, nil))})
	return h, dir, logs
}

func do(h http.Handler, method, target string, header http.Header,
	body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServeHeaders(t *testing.T) {
	h, _, _ := servedStore(t)
	doc := cdxDoc("one", 2)
	tests := []struct {
		path, contentType, corp, disposition string
	}{
		{"/sbom/", "text/html; charset=utf-8", "same-origin", ""},
		{"/sbom/index.html", "text/html; charset=utf-8", "same-origin", ""},
		{"/sbom/sbom.css", "text/css; charset=utf-8", "same-origin", ""},
		{"/sbom/index.json", "application/json", "cross-origin", ""},
		{"/sbom/feed.xml", "application/atom+xml", "cross-origin", ""},
		{"/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json", "application/vnd.cyclonedx+json; version=1.6",
			"cross-origin", `attachment; filename=agent_v1.0.0.cdx.json`},
		{"/sbom/agent/v1.0.0/agent_v1.0.0.spdx.json", "application/spdx+json", "cross-origin",
			`attachment; filename=agent_v1.0.0.spdx.json`},
		{"/sbom/agent/v1.0.0/SHA256SUMS", "text/plain; charset=utf-8", "cross-origin",
			`attachment; filename=SHA256SUMS`},
	}
	for _, tt := range tests {
		rec := do(h, "GET", tt.path, nil, "")
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", tt.path, rec.Code)
			continue
		}
		got := rec.Header()
		for k, want := range map[string]string{
			"Content-Type":                 tt.contentType,
			"Cross-Origin-Resource-Policy": tt.corp,
			"Content-Disposition":          tt.disposition,
			"Content-Security-Policy":      wantCSP,
			"Reporting-Endpoints":          `csp="/sbom/csp-report"`,
			"X-Content-Type-Options":       "nosniff",
			"Referrer-Policy":              "no-referrer",
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Strict-Transport-Security":    "",
		} {
			if got.Get(k) != want {
				t.Errorf("GET %s: %s = %q, want %q", tt.path, k, got.Get(k), want)
			}
		}
	}
	rec := do(h, "GET", "/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json", nil, "")
	if !bytes.Equal(rec.Body.Bytes(), doc) || rec.Header().Get("ETag") != `"`+digest(doc)+`"` {
		t.Errorf("document body or ETag %q wrong", rec.Header().Get("ETag"))
	}
	rec = do(h, "GET", "/sbom", nil, "")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/sbom/" {
		t.Errorf("GET /sbom: %d to %q, want 301 to /sbom/", rec.Code, rec.Header().Get("Location"))
	}
	// A 404 carries the headers too.
	rec = do(h, "GET", "/sbom/nothing", nil, "")
	if csp := rec.Header().Get("Content-Security-Policy"); rec.Code != 404 || csp != wantCSP {
		t.Errorf("GET /sbom/nothing: %d, CSP %q; want 404 with the CSP", rec.Code, csp)
	}
}

func TestServeTLSAddsHSTS(t *testing.T) {
	h, _, _ := servedStore(t)
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/sbom/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := resp.Header.Get("Strict-Transport-Security")
	if got != "max-age=63072000; includeSubDomains" {
		t.Errorf("HSTS over TLS = %q", got)
	}
}

func TestServeConditionalAndRange(t *testing.T) {
	h, _, _ := servedStore(t)
	path := "/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json"
	etag := do(h, "GET", path, nil, "").Header().Get("ETag")
	rec := do(h, "GET", path, http.Header{"If-None-Match": {etag}}, "")
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", rec.Code)
	}
	rec = do(h, "GET", path, http.Header{"Range": {"bytes=0-9"}}, "")
	if rec.Code != http.StatusPartialContent ||
		rec.Body.String() != string(cdxDoc("one", 2)[:10]) {
		t.Errorf("Range: %d %q, want 206 with the first 10 bytes", rec.Code, rec.Body.String())
	}
	if rec := do(h, "HEAD", path, nil, ""); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := do(h, "PUT", path, nil, "x"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d, want 405", rec.Code)
	}
}

// serve streams documents: HEAD and a one-byte Range request on a 64 MiB
// document allocate a small fraction of it.
func TestServeStreams(t *testing.T) {
	h, dir, logs := servedStore(t)
	const size = 64 << 20
	path := "agent/v1.0.0/agent_v1.0.0.cdx.json"
	if err := os.Truncate(filepath.Join(dir, filepath.FromSlash(path)), size); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, rng string
		code        int
		length      string
	}{
		{"HEAD", "", http.StatusOK, "67108864"},
		{"GET", "bytes=0-0", http.StatusPartialContent, "1"},
		{"GET", "bytes=-1", http.StatusPartialContent, "1"},
		{"GET", "bytes=0-0,33554432-33554432,-1", http.StatusPartialContent, ""},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rec := do(h, tt.method, "/sbom/"+path, http.Header{"Range": {tt.rng}}, "")
		runtime.ReadMemStats(&after)
		length := rec.Header().Get("Content-Length")
		if rec.Code != tt.code || (tt.length != "" && length != tt.length) {
			t.Errorf("%s %s: %d, Content-Length %q; want %d, %q", tt.method, tt.rng, rec.Code,
				length, tt.code, tt.length)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/16 {
			t.Errorf("%s %s allocated %d bytes serving a %d-byte document",
				tt.method, tt.rng, alloc, size)
		}
		// The file no longer matches its index entry: no ETag claims it does.
		etag := rec.Header().Get("ETag")
		if etag == "" || strings.Contains(etag, digest(cdxDoc("one", 2))) {
			t.Errorf("%s %s: ETag %q, want the store's, not the indexed SHA-256",
				tt.method, tt.rng, etag)
		}
	}
	if !strings.Contains(logs.String(), "document differs from the index") {
		t.Errorf("no warning about the altered document in the log:\n%s", logs)
	}
}

// Past maxRanges ranges a request gets the whole document, not a multipart
// answer larger than it.
func TestServeRangeLimit(t *testing.T) {
	h, _, _ := servedStore(t)
	path := "/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json"
	doc := cdxDoc("one", 2)
	ranges := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("%d-%d", i, i)
		}
		return "bytes=" + strings.Join(parts, ",")
	}
	tests := []struct {
		ranges int
		code   int
	}{
		{2, http.StatusPartialContent},
		{maxRanges, http.StatusPartialContent},
		{maxRanges + 1, http.StatusOK},
		{1500, http.StatusOK},
	}
	for _, tt := range tests {
		rec := do(h, "GET", path, http.Header{"Range": {ranges(tt.ranges)}}, "")
		if rec.Code != tt.code {
			t.Errorf("%d ranges: %d, want %d", tt.ranges, rec.Code, tt.code)
		}
		if tt.code == http.StatusOK && !bytes.Equal(rec.Body.Bytes(), doc) {
			t.Errorf("%d ranges: %d bytes, want the whole %d-byte document",
				tt.ranges, rec.Body.Len(), len(doc))
		}
	}
}

func TestServeRefuses(t *testing.T) {
	h, dir, _ := servedStore(t)
	outside := t.TempDir()
	err := os.WriteFile(filepath.Join(outside, "agent_v9.cdx.json"), cdxDoc("secret", 1), 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "agent", "v9")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "agent", "v1.0.0", "agent_v1.0.0.spdx")
	if err := os.Symlink("/etc/hostname", link); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "agent/v1.0.0/agent_v1.0.0.cdx.json.18a3c0ffee.tmp", []byte("{"))
	for _, path := range []string{
		"/sbom/site.json",
		"/sbom/.sbompipe.lock",
		"/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json.18a3c0ffee.tmp",
		"/sbom/agent/v1.0.0/../../site.json",
		"/sbom/agent/v1.0.0/..%2f..%2fsite.json",
		"/sbom/agent/v1.0.0%2f..%2f..%2fsite.json",
		"/sbom/agent/v9/agent_v9.cdx.json",
		"/sbom/agent/v1.0.0/agent_v1.0.0.spdx",
		"/sbom//agent/v1.0.0/SHA256SUMS",
		"/sbom/agent/v1.0.0/",
		"/sbomx/index.html",
		"/index.html",
	} {
		if rec := do(h, "GET", path, nil, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
}

func TestCSPReports(t *testing.T) {
	h, _, logs := servedStore(t)
	legacy := `{"csp-report": {"document-uri": "http://127.0.0.1/sbom/", "blocked-uri": "inline",
		"effective-directive": "style-src-attr", "original-policy": "default-src 'none'"}}`
	batch := `[{"type": "csp-violation", "age": 1, "url": "http://127.0.0.1/sbom/", ` +
		`"user_agent": "test",
		"body": {"documentURL": "http://127.0.0.1/sbom/", ` +
		`"blockedURL": "https://evil.example/x.js",
		"effectiveDirective": "script-src-elem", "disposition": "enforce"}},
		{"type": "deprecation", "body": {}}]`
	tests := []struct {
		name, method, contentType, body string
		want                            int
	}{
		{"legacy", "POST", "application/csp-report", legacy, http.StatusNoContent},
		{"reporting api", "POST", "application/reports+json", batch, http.StatusNoContent},
		{"charset parameter", "POST", "application/csp-report; charset=utf-8", legacy,
			http.StatusNoContent},
		{"wrong type", "POST", "text/plain", legacy, http.StatusUnsupportedMediaType},
		{"no type", "POST", "", legacy, http.StatusUnsupportedMediaType},
		{"not json", "POST", "application/csp-report", "{", http.StatusBadRequest},
		{"wrong shape", "POST", "application/csp-report", `{"report": {}}`, http.StatusBadRequest},
		{"no violations", "POST", "application/reports+json", `[{"type": "intervention"}]`,
			http.StatusBadRequest},
		{"too large", "POST", "application/csp-report",
			`{"csp-report": {"x": "` + strings.Repeat("a", MaxReportSize) + `"}}`,
			http.StatusRequestEntityTooLarge},
		{"get", "GET", "", "", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		header := http.Header{"Content-Type": {tt.contentType}}
		rec := do(h, tt.method, "/sbom/csp-report", header, tt.body)
		if rec.Code != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, rec.Code, tt.want)
		}
	}
	got := logs.String()
	if n := strings.Count(got, "level=WARN msg=\"csp violation\""); n != 3 {
		t.Errorf("logged %d violations, want 3:\n%s", n, got)
	}
	for _, want := range []string{
		"effective-directive=style-src-attr", "effectiveDirective=script-src-elem",
		"via=report-to",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
}

// A report's field names and values are cut, and its fields counted, so
// that one report adds a bounded line to the log.
func TestCSPReportBounds(t *testing.T) {
	longKey := strings.Repeat("k", 60<<10)
	many := map[string]string{}
	for i := range 100 {
		many[fmt.Sprintf("field%03d", i)] = "v"
	}
	manyJSON, err := json.Marshal(map[string]any{"csp-report": many})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		want       []string
		maxLine    int
	}{
		{"long name", `{"csp-report": {"` + longKey + `": "x"}}`,
			[]string{strings.Repeat("k", maxFieldName) + "…=x"}, 1024},
		{"long value", `{"csp-report": {"blocked-uri": "x` + strings.Repeat("é", 20<<10) + `"}}`,
			[]string{"blocked-uri=x" + strings.Repeat("é", maxFieldValue/2-1) + "…"}, 2048},
		{"many fields", string(manyJSON),
			[]string{"field031=v", "omitted-fields=68"}, 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, logs := servedStore(t)
			header := http.Header{"Content-Type": {"application/csp-report"}}
			rec := do(h, "POST", "/sbom/csp-report", header, tt.body)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("POST: %d, want 204", rec.Code)
			}
			line := logs.String()
			if len(line) > tt.maxLine {
				t.Errorf("logged %d bytes for one report, want at most %d", len(line), tt.maxLine)
			}
			for _, want := range tt.want {
				if !strings.Contains(line, want) {
					t.Errorf("log lacks %.80q:\n%.2000s", want, line)
				}
			}
			if strings.Contains(line, "field032") {
				t.Errorf("log has a field past the first %d:\n%s", maxReportFields, line)
			}
		})
	}
}

func FuzzParseReports(f *testing.F) {
	f.Add("application/csp-report", []byte(`{"csp-report": {"blocked-uri": "inline"}}`))
	f.Add("application/reports+json",
		[]byte(`[{"type": "csp-violation", "body": {"blockedURL": "inline"}}]`))
	f.Fuzz(func(t *testing.T, mediaType string, body []byte) {
		reports, err := parseReports(mediaType, body)
		if err == nil && len(reports) == 0 {
			t.Errorf("parseReports(%q) accepted a body with no report", body)
		}
	})
}

func TestCSPReportsRateLimited(t *testing.T) {
	h, _, logs := servedStore(t)
	report := `{"type": "csp-violation", "body": {"blockedURL": "inline"}},`
	batch := `[` + strings.TrimSuffix(strings.Repeat(report, 30), ",") + `]`
	header := http.Header{"Content-Type": {"application/reports+json"}}
	codes := map[int]int{}
	for range 16 {
		rec := do(h, "POST", "/sbom/csp-report", header, batch)
		codes[rec.Code]++
	}
	logged := strings.Count(logs.String(), "csp violation")
	// 30 reports a request are cut to 10; 50 a second pass. The loop ends
	// within two seconds, so at most 100 are logged and at least six of
	// the 16 requests are refused.
	if logged > 2*reportsPerSecond || logged%reportsPerBatch != 0 ||
		codes[http.StatusTooManyRequests] < 6 {
		t.Errorf("logged %d reports, answers %v; "+
			"want batches of %d, at most %d a second, and 429s",
			logged, codes, reportsPerBatch, reportsPerSecond)
	}
}
