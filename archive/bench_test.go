package archive

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// seedReleases stores n two-document releases of product "agent" the way
// Add would, without rewriting the index after each, then indexes once.
func seedReleases(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		rel := fmt.Sprintf("v1.%d.0", i)
		var p addPlan
		p.now = epoch.Add(time.Duration(i) * time.Minute)
		for _, in := range release(rel, 20) {
			d, err := Detect(in.Name, in.Data)
			if err != nil {
				b.Fatal(err)
			}
			d.Path = docKey("agent", rel, d.Kind())
			p.docs = append(p.docs, d)
			p.writes = append(p.writes, pendingWrite{key: d.Path, data: in.Data})
		}
		opts := AddOptions{Product: "agent", Release: rel}
		if err := s.commit(ctx, opts, nil, "", p); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Reindex(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAddInto1000 adds one release (two documents of 20 components)
// to a file store that already holds 1,000: documents, SHA256SUMS,
// release.json and the index files rewritten from the store, each write
// fsynced.
func BenchmarkAddInto1000(b *testing.B) {
	s, _ := newFileStore(b)
	benchAddInto1000(b, s)
}

// benchAddInto1000 seeds s with 1,000 releases, then adds one release of
// two 20-component documents per iteration.
func benchAddInto1000(b *testing.B, s *Store) {
	seedReleases(b, s, 1000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		rel := fmt.Sprintf("v2.%d.0", i)
		i++
		opts := AddOptions{Product: "agent", Release: rel, Files: release(rel, 20)}
		if _, err := s.Add(ctx, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender10000 renders index.json, index.html and feed.xml for an
// archive of 10,000 releases (100 products of 100 releases, two documents
// each), from the release metadata to the bytes.
func BenchmarkRender10000(b *testing.B) {
	var metas []releaseMeta
	for p := range 100 {
		for r := range 100 {
			product, rel := fmt.Sprintf("product%02d", p), fmt.Sprintf("v%d.%d.0", r/10, r%10)
			m := releaseMeta{SchemaVersion: IndexSchemaVersion, Product: product}
			m.Release = Release{
				Release:   rel,
				Published: epoch.Add(time.Duration(p*100+r) * time.Minute),
			}
			for _, k := range []Kind{CycloneDXJSON, SPDXJSON} {
				m.Documents = append(m.Documents, Document{
					Format:      k.Format(),
					SpecVersion: "1.6",
					MediaType:   k.MediaType(),
					Path:        docKey(product, rel, k),
					SHA256:      digest([]byte(product + rel + k.String())),
					Size:        48213,
					Components:  212,
				})
			}
			metas = append(metas, m)
		}
	}
	st := &site{
		FeedID:  "urn:uuid:0b6c7c1e-2f4a-4d8e-9a51-3c1f7d2b9e40",
		Contact: "sbom@example.com",
	}
	var files []namedFile
	for b.Loop() {
		var err error
		if files, err = renderAll(buildIndex(metas), st); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range files {
		if f.name != styleCSS && f.name != faviconSVG {
			b.ReportMetric(float64(len(f.data))/(1<<20), "MiB-"+f.name)
		}
	}
}

// BenchmarkVerify1000 verifies a file store of 1,000 releases: every
// document hashed, every index file rendered and compared.
func BenchmarkVerify1000(b *testing.B) {
	s, _ := newFileStore(b)
	seedReleases(b, s, 1000)
	ctx := context.Background()
	for b.Loop() {
		rep, err := s.Verify(ctx)
		if err != nil || rep.Errors > 0 {
			b.Fatalf("verify: %v %+v", err, rep)
		}
	}
}

// BenchmarkAddInto1000S3 is BenchmarkAddInto1000 on an S3 bucket of a
// versitygw gateway on 127.0.0.1: conditional PUTs, and a listing and
// 1,000 GETs of release.json for the index.
func BenchmarkAddInto1000S3(b *testing.B) {
	s, _, _ := newS3Store(b)
	benchAddInto1000(b, s)
}

// discardWriter is a ResponseWriter that keeps nothing of the body.
type discardWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *discardWriter) Header() http.Header  { return w.header }
func (w *discardWriter) WriteHeader(code int) { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkServe serves an indexed CycloneDX document of about 32 MiB from
// a folder store: HEAD, a one-byte range, three ranges, and the whole body.
// Memory per request is what matters: serve streams, so it does not grow
// with the document.
func BenchmarkServe(b *testing.B) {
	s, _ := newFileStore(b)
	mustAdd(b, s, "agent", "v1", []Input{{Name: "big.cdx.json", Data: cdxDoc("big", 300_000)}})
	h := Handler(s, HandlerOptions{Prefix: "/sbom"})
	for _, bb := range []struct{ name, method, rng string }{
		{"HEAD", "HEAD", ""},
		{"Range=0-0", "GET", "bytes=0-0"},
		{"Range=3parts", "GET", "bytes=0-0,1000000-1000099,-1"},
		{"GET", "GET", ""},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				req := httptest.NewRequest(bb.method, "/sbom/agent/v1/agent_v1.cdx.json", nil)
				if bb.rng != "" {
					req.Header.Set("Range", bb.rng)
				}
				w := &discardWriter{header: http.Header{}}
				h.ServeHTTP(w, req)
				if w.code >= 300 {
					b.Fatalf("%s: %d", bb.name, w.code)
				}
				size = w.n
			}
			b.ReportMetric(float64(size), "body-bytes")
		})
	}
}
