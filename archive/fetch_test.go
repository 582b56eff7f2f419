package archive

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// archiveServer serves a one-release store on 127.0.0.1, with wrap (when
// set) in front of the documents.
func archiveServer(t *testing.T,
	wrap func(h http.Handler) http.Handler) (*httptest.Server, string) {
	t.Helper()
	h, dir, _ := servedStore(t)
	if wrap != nil {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, ".json") &&
				!strings.HasSuffix(r.URL.Path, "index.json") {
				wrap(inner).ServeHTTP(w, r)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, dir
}

func fetchDoc(t *testing.T, c *Client, base string) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	ix, err := c.Index(ctx, base)
	if err != nil {
		t.Fatalf("index: %v", err)
	}
	_, d, err := Pick(ix, "agent", "latest", "cyclonedx")
	if err != nil {
		t.Fatal(err)
	}
	return c.Download(ctx, base, d)
}

func TestFetch(t *testing.T) {
	good := cdxDoc("one", 2)
	var hits atomic.Int32
	// Another server of the same host, on another port.
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(good)
	}))
	defer elsewhere.Close()
	tests := []struct {
		name    string
		wrap    func(h http.Handler) http.Handler
		damage  func(t *testing.T, dir string)
		client  Client
		want    string // error substring; "" for success
		attempt int32  // requests the document took, when not 0
	}{
		{name: "good release"},
		{name: "tampered file", damage: func(t *testing.T, dir string) {
			data := append([]byte{}, good...)
			data[20] ^= 1
			write(t, dir, "agent/v1.0.0/agent_v1.0.0.cdx.json", data)
		}, want: "checksum mismatch"},
		{name: "truncated body", wrap: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(good)))
				w.Write(good[:len(good)/2])
			})
		}, want: "truncated"},
		{name: "body larger than the index says", wrap: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write(append(append([]byte{}, good...), strings.Repeat(" ", 1<<20)...))
			})
		}, want: "body is longer than"},
		{name: "declared larger than the index says", wrap: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(good)+1))
				w.Write(append(append([]byte{}, good...), ' '))
			})
		}, want: "server sends"},
		{name: "slow server", client: Client{Timeout: time.Second, Retries: -1},
			wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-time.After(4 * time.Second):
					case <-r.Context().Done():
					}
				})
			}, want: "no complete answer within 1s"},
		{name: "redirect to another port", wrap: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
			})
		}, want: "redirect to " + elsewhere.URL +
			"/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json refused: only http://127.0.0.1:"},
		{name: "redirect to https", wrap: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusFound)
			})
		}, want: "redirect to https://127.0.0.1:"},
		{name: "redirect on the same origin", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.RawQuery == "" {
					http.Redirect(w, r, r.URL.Path+"?mirror=1", http.StatusFound)
					return
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "retried 5xx", attempt: 3, wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) < 3 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "persistent 5xx", client: Client{Retries: 1}, attempt: 2,
			wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					http.Error(w, "broken", http.StatusBadGateway)
				})
			}, want: "502 Bad Gateway"},
		{name: "retried reset", attempt: 2, wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.(*net.TCPConn).SetLinger(0) // close with a reset
						conn.Close()
					}
					return
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "not found", wrap: func(http.Handler) http.Handler {
			return http.NotFoundHandler()
		}, want: "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			srv, dir := archiveServer(t, tt.wrap)
			if tt.damage != nil {
				tt.damage(t, dir)
			}
			data, err := fetchDoc(t, &tt.client, srv.URL+"/sbom")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("fetch: %v", err)
			case tt.want == "" && string(data) != string(good):
				t.Fatalf("fetch returned %d bytes, not the document", len(data))
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("fetch error = %v, want one containing %q", err, tt.want)
			case tt.want != "" && data != nil:
				t.Errorf("fetch returned data with its error")
			}
			var fe *FetchError
			if err != nil && !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FetchError", err)
			}
			if tt.attempt != 0 && hits.Load() != tt.attempt {
				t.Errorf("document requested %d times, want %d", hits.Load(), tt.attempt)
			}
		})
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		base, to string
		ok       bool
	}{
		{"https://www.example.com/sbom/", "https://www.example.com/mirror/a.json", true},
		{"https://www.example.com/sbom/", "https://www.example.com:443/a.json", true},
		{"https://www.example.com/sbom/", "https://WWW.Example.com/a.json", true},
		{"https://www.example.com:8443/sbom/", "https://www.example.com:8443/a.json", true},
		{"https://www.example.com/sbom/", "https://www.example.com:8443/a.json", false},
		{"https://www.example.com:8443/sbom/", "https://www.example.com/a.json", false},
		{"https://www.example.com/sbom/", "http://www.example.com/a.json", false},
		{"https://www.example.com/sbom/", "https://cdn.example.com/a.json", false},
		{"http://127.0.0.1:8080/sbom/", "http://127.0.0.1:8080/a.json", true},
		{"http://127.0.0.1:8080/sbom/", "http://127.0.0.1:9090/a.json", false},
		{"http://127.0.0.1:8080/sbom/", "https://127.0.0.1:8080/a.json", false},
		{"http://127.0.0.1:8080/sbom/", "http://localhost:8080/a.json", false},
	}
	for _, tt := range tests {
		base, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", tt.to, nil)
		err = sameOrigin(base)(req, []*http.Request{req})
		if (err == nil) != tt.ok {
			t.Errorf("redirect from %s to %s: %v, want ok %v", tt.base, tt.to, err, tt.ok)
		}
	}
	base, _ := url.Parse("https://www.example.com/sbom/")
	req := httptest.NewRequest("GET", "https://www.example.com/a.json", nil)
	if err := sameOrigin(base)(req, make([]*http.Request, 5)); err == nil {
		t.Error("a sixth redirect was followed")
	}
}

// An index entry larger than an archive document can be is refused before
// any request, whatever the server would send.
func TestFetchRefusesOversizedEntries(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(make([]byte, 1<<20))
	}))
	defer srv.Close()
	d := Document{Format: "cyclonedx", SpecVersion: "1.6", MediaType: CycloneDXJSON.MediaType(),
		Path: "agent/v1/agent_v1.cdx.json", SHA256: strings.Repeat("a", 64), Size: 1e15}
	_, err := (&Client{}).Download(context.Background(), srv.URL+"/sbom", d)
	const want = "1000000000000000 bytes, more than the 256 MiB"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Download of a 1e15-byte entry: %v, want a refusal naming the limit", err)
	}
	if hits.Load() != 0 {
		t.Errorf("Download made %d requests for an entry it must refuse", hits.Load())
	}
}

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://www.example.com/sbom", true},
		{"https://www.example.com/sbom/", true},
		{"http://127.0.0.1:8080/sbom", true},
		{"http://[::1]:8080/sbom", true},
		{"http://localhost/sbom", true},
		{"http://www.example.com/sbom", false},
		{"http://127.0.0.1.example.com/sbom", false},
		{"ftp://www.example.com/sbom", false},
		{"https://user:pw@www.example.com/sbom", false},
		{"https://www.example.com/sbom?x=1", false},
		{"www.example.com/sbom", false},
	}
	for _, tt := range tests {
		_, err := CheckBaseURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckBaseURL(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

func TestParseIndexRefusesBadEntries(t *testing.T) {
	const good = "agent/v1/agent_v1.cdx.json"
	for name, tt := range map[string]struct {
		path, size, spec string
	}{
		"traversal":    {"../../etc/passwd", "1", "1.6"},
		"absolute URL": {"https://evil.example/agent_v1.cdx.json", "1", "1.6"},
		"other dir":    {"other/v1/agent_v1.cdx.json", "1", "1.6"},
		"wrong name":   {"agent/v1/evil.cdx.json", "1", "1.6"},
		"negative":     {good, "-1", "1.6"},
		"huge":         {good, "1000000000000000", "1.6"},
		"past limit":   {good, "268435457", "1.6"},
		// An attack printed a screen clear and a workflow command this way.
		"spec version": {good, "1", `1.6\u001b[2J\n::error::forged`},
		"no version":   {good, "1", ""},
	} {
		data := `{"schemaVersion": 1, "generated": "2026-04-17T09:00:00Z", ` +
			`"products": [{"name": "agent", "releases": [
			{"release": "v1", "published": "2026-04-17T09:00:00Z", ` +
			`"documents": [{"format": "cyclonedx", "specVersion": "` + tt.spec + `",
			"mediaType": "application/vnd.cyclonedx+json", "path": "` + tt.path + `", ` +
			`"sha256": "` + strings.Repeat("a", 64) + `",
			"size": ` + tt.size + `, "components": 0}]}]}]}`
		if _, err := ParseIndex("index.json", []byte(data)); err == nil {
			t.Errorf("%s: ParseIndex accepts path %q size %s", name, tt.path, tt.size)
		}
	}
}

func TestPick(t *testing.T) {
	s, _ := newFileStore(t)
	mustAdd(t, s, "agent", "v1.0.0", append(release("a", 1), fixture(t, "agent.spdx")))
	mustAdd(t, s, "agent", "v1.1.0", []Input{fixture(t, "agent.cdx.xml")})
	_, files, err := s.render(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseIndex("index.json", files[len(files)-1].data)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		release, kind, want string
	}{
		{"latest", "cyclonedx", "agent/v1.1.0/agent_v1.1.0.cdx.xml"},
		{"v1.0.0", "cyclonedx", "agent/v1.0.0/agent_v1.0.0.cdx.json"},
		{"v1.0.0", "spdx", "agent/v1.0.0/agent_v1.0.0.spdx.json"},
		{"v1.0.0", "spdx-tag-value", "agent/v1.0.0/agent_v1.0.0.spdx"},
		{"latest", "spdx", "error: agent v1.1.0 has no spdx document"},
		{"v2.0.0", "spdx", `error: agent has no release "v2.0.0"`},
		{"v1.0.0", "swid", `error: format "swid"`},
	}
	for _, tt := range tests {
		_, d, err := Pick(ix, "agent", tt.release, tt.kind)
		got := d.Path
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("Pick(%s, %s) = %q, want %q", tt.release, tt.kind, got, tt.want)
		}
	}
}
