package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentrikat/sbompipe/archive"
)

// servedArchive stores one release and serves it on 127.0.0.1 with the
// handler tamper makes (when set) answering for the CycloneDX document.
func servedArchive(t *testing.T,
	tamper func(doc []byte) http.HandlerFunc) (base string, doc []byte) {
	t.Helper()
	work := t.TempDir()
	files := writeRelease(t, work, "v1.0.0", 50)
	doc, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(work, "store")
	s, err := archive.Open(context.Background(), store, archive.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var inputs []archive.Input
	for _, f := range files {
		data, _ := os.ReadFile(f)
		inputs = append(inputs, archive.Input{Name: f, Data: data})
	}
	opts := archive.AddOptions{Product: "agent", Release: "v1.0.0", Files: inputs}
	if _, err := s.Add(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	h := archive.Handler(s, archive.HandlerOptions{Prefix: "/sbom"})
	var bad http.HandlerFunc
	if tamper != nil {
		bad = tamper(doc)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bad != nil && strings.HasSuffix(r.URL.Path, ".cdx.json") {
			bad(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/sbom", doc
}

// TestFetchCommand runs fetch against serve's handler: a good release is
// written; a tampered, truncated, oversized, slow or redirected download
// exits 1 and leaves no file behind.
func TestFetchCommand(t *testing.T) {
	// Another server of the same host, on another port.
	elsewhere := httptest.NewServer(http.NotFoundHandler())
	defer elsewhere.Close()
	tests := []struct {
		name   string
		tamper func(doc []byte) http.HandlerFunc
		want   string
	}{
		{name: "good release"},
		{"tampered file", func(doc []byte) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write(bytes.Replace(doc, []byte("pkg1"), []byte("pkgX"), 1))
			}
		}, "checksum mismatch"},
		{"truncated body", func(doc []byte) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
				w.Write(doc[:len(doc)-100])
			}
		}, "truncated"},
		{"larger than the index says", func(doc []byte) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write(doc)
				w.Write(bytes.Repeat([]byte(" "), 4096))
			}
		}, "body is longer than"},
		{"slow server", func([]byte) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(6 * time.Second):
				case <-r.Context().Done():
				}
			}
		}, "no complete answer within 2s"},
		{"redirect to another port", func([]byte) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+"/mirror/agent.cdx.json", http.StatusFound)
			}
		}, "redirect to " + elsewhere.URL + "/mirror/agent.cdx.json refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, doc := servedArchive(t, tt.tamper)
			outDir := t.TempDir()
			out := filepath.Join(outDir, "agent.cdx.json")
			var stdout, stderr bytes.Buffer
			args := []string{"sbompipe", "fetch", base, "--product", "agent",
				"--release", "latest", "--format", "cyclonedx", "-o", out,
				"--timeout", "2s", "--retries", "1"}
			err := run(context.Background(), args, nil, &stdout, &stderr)
			code := exitCode(err, &stderr)
			if tt.want == "" {
				got, rerr := os.ReadFile(out)
				if code != 0 || rerr != nil || !bytes.Equal(got, doc) {
					t.Fatalf("exit %d, file %v; want 0 and the document\n%s",
						code, rerr, stderr.String())
				}
				if !strings.Contains(stderr.String(), "matches index.json") {
					t.Errorf("stderr %q does not say the document matched", stderr.String())
				}
				return
			}
			if code != exitProblems || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), tt.want)
			}
			if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
				t.Errorf("a failed fetch left %d files in the output folder", len(entries))
			}
			if stdout.Len() != 0 {
				t.Errorf("a failed fetch wrote %d bytes to stdout", stdout.Len())
			}
		})
	}
}

// An index.json that gives a document a size past the archive's limit is
// refused before the document is requested, so an endless body cannot
// exhaust memory.
func TestFetchOversizedEntry(t *testing.T) {
	var docRequests atomic.Int32
	index := `{"schemaVersion": 1, "generated": "2026-04-17T09:00:00Z", ` +
		`"products": [{"name": "agent", "releases": [
		{"release": "v1", "published": "2026-04-17T09:00:00Z", ` +
		`"documents": [{"format": "cyclonedx", "specVersion": "1.6",
		"mediaType": "application/vnd.cyclonedx+json", "path": "agent/v1/agent_v1.cdx.json",
		"sha256": "` + strings.Repeat("a", 64) + `", ` +
		`"size": 1000000000000000, "components": 0}]}]}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sbom/index.json" {
			io.WriteString(w, index)
			return
		}
		docRequests.Add(1)
		chunk := make([]byte, 64<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	args := []string{"sbompipe", "fetch", "--product", "agent", "--timeout", "5s",
		srv.URL + "/sbom"}
	err := run(context.Background(), args, nil, &stdout, &stderr)
	want := "size 1000000000000000 is not between 0 and 268435456 (256 MiB)"
	code := exitCode(err, &stderr)
	if code != exitProblems || !strings.Contains(stderr.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
	if n := docRequests.Load(); n != 0 || stdout.Len() != 0 {
		t.Errorf("fetch requested the document %d times and wrote %d bytes", n, stdout.Len())
	}
}

func TestFetchUsage(t *testing.T) {
	base, _ := servedArchive(t, nil)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"http://www.example.com/sbom", "--product", "agent"}, exitUsage,
			"want https://"},
		{[]string{base}, exitUsage, "needs --product"},
		{[]string{base, "--product", "agent", "--format", "swid"}, exitUsage, `format "swid"`},
		{[]string{base, "--product", "console"}, exitProblems,
			`product "console" is not in the index`},
		{[]string{base, "--product", "agent", "--release", "v9"}, exitProblems,
			`agent has no release "v9"`},
		{[]string{base, "--product", "agent", "--sha256", strings.Repeat("0", 64)}, exitProblems,
			"not the 0000"},
		{[]string{base, "--list"}, exitOK, ""},
		{[]string{base, "--list", "--product", "agent"}, exitOK, ""},
		{[]string{base, "--list", "--product", "console"}, exitProblems,
			`product "console" is not in the index`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		args := append([]string{"sbompipe", "fetch"}, tt.args...)
		err := run(context.Background(), args, nil, &stdout, &stderr)
		code := exitCode(err, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("fetch %v: exit %d, stderr %q; want %d and %q",
				tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
}
