package archive

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// newS3Store opens a store on a fresh bucket of a versitygw gateway.
func newS3Store(t testing.TB) (*Store, *testparts.S3Server, string) {
	t.Helper()
	srv := testparts.StartVersitygw(t)
	dir := srv.Bucket(t, "sbom-archive")
	s, err := Open(context.Background(), srv.StoreURL("sbom-archive"), Options{Now: clock(epoch)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, srv, dir
}

// TestS3Store runs the archive against a real S3-compatible server:
// adding, re-adding, refusing, replacing, verifying and reindexing.
func TestS3Store(t *testing.T) {
	ctx := context.Background()
	s, _, dir := newS3Store(t)
	mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	mustAdd(t, s, "agent", "v1.1.0+build.7", append(release("two", 3), fixture(t, "agent.spdx")))
	res := mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	if res[0].Outcome != Unchanged || res[1].Outcome != Unchanged {
		t.Errorf("re-add outcomes %s %s, want unchanged", res[0].Outcome, res[1].Outcome)
	}
	_, err := s.Add(ctx, AddOptions{Product: "agent", Release: "v1.0.0",
		Files: []Input{{Name: "x.json", Data: cdxDoc("x", 1)}}})
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("different bytes on S3: %v, want a refusal", err)
	}
	if _, err := s.Add(ctx, AddOptions{Product: "agent", Release: "v1.0.0", Replace: true,
		Files: []Input{{Name: "x.json", Data: cdxDoc("x", 1)}}}); err != nil {
		t.Fatalf("replace on S3: %v", err)
	}
	rep, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := problemKinds(rep); len(got) != 0 || rep.Releases != 2 || rep.Documents != 5 {
		t.Errorf("verify on S3: %d releases, %d documents, problems %q",
			rep.Releases, rep.Documents, got)
	}

	// The bucket's files are the same layout as a file store's, and the
	// index renders the same from them.
	files := snapshot(t, dir)
	if _, ok := files["agent/v1.1.0+build.7/agent_v1.1.0+build.7.spdx"]; !ok {
		var names []string
		for n := range files {
			names = append(names, n)
		}
		t.Fatalf("bucket lacks the tag-value document; has %s", strings.Join(names, " "))
	}
	if err := s.bucket.Delete(ctx, indexHTML); err != nil {
		t.Fatal(err)
	}
	if err := s.bucket.Delete(ctx, indexJSON); err != nil {
		t.Fatal(err)
	}
	if err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	for _, name := range []string{indexJSON, indexHTML, feedXML} {
		if diff := cmp.Diff(files[name], after[name]); diff != "" {
			t.Errorf("%s regenerated on S3 differs:\n%s", name, diff)
		}
	}
}

// TestS3ConditionalWrites checks that the gateway enforces the
// preconditions the archive relies on.
func TestS3ConditionalWrites(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newS3Store(t)
	if err := s.put(ctx, "k", []byte("one"), precondition{absent: true}); err != nil {
		t.Fatal(err)
	}
	err := s.put(ctx, "k", []byte("two"), precondition{absent: true})
	if !errors.Is(err, errConflict) {
		t.Errorf("If-None-Match on an existing object: %v, want a conflict", err)
	}
	tag, err := s.etag(ctx, "k")
	if err != nil || tag == "" {
		t.Fatalf("etag: %q %v", tag, err)
	}
	if err := s.put(ctx, "k", []byte("three"), precondition{etag: tag}); err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	err = s.put(ctx, "k", []byte("four"), precondition{etag: tag})
	if !errors.Is(err, errConflict) {
		t.Errorf("If-Match with a stale ETag: %v, want a conflict", err)
	}
	data, err := s.get(ctx, "k")
	if err != nil || string(data) != "three" {
		t.Errorf("object = %q, %v; want three", data, err)
	}
}

// A bucket that does not exist is an unusable store, as a missing folder
// is: Open fails, before anything is listed or written.
func TestS3MissingBucket(t *testing.T) {
	srv := testparts.StartVersitygw(t)
	_, err := Open(context.Background(), srv.StoreURL("no-such-bucket"), Options{})
	if err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("Open of a missing bucket: %v, want an error naming it", err)
	}
}

// TestS3Serve serves a document from S3 in whole, as ranges and by HEAD.
func TestS3Serve(t *testing.T) {
	s, _, _ := newS3Store(t)
	mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	h := Handler(s, HandlerOptions{Prefix: "/sbom"})
	path := "/sbom/agent/v1.0.0/agent_v1.0.0.cdx.json"
	doc := cdxDoc("one", 2)
	etag := `"` + digest(doc) + `"`
	tests := []struct {
		method string
		header http.Header
		code   int
		body   string // "" for any
	}{
		{"GET", nil, http.StatusOK, string(doc)},
		{"HEAD", nil, http.StatusOK, ""},
		{"GET", http.Header{"Range": {"bytes=10-19"}}, http.StatusPartialContent,
			string(doc[10:20])},
		{"GET", http.Header{"Range": {"bytes=-5"}}, http.StatusPartialContent,
			string(doc[len(doc)-5:])},
		{"GET", http.Header{"Range": {"bytes=0-0,20-29,-1"}}, http.StatusPartialContent, ""},
		{"GET", http.Header{"If-None-Match": {etag}}, http.StatusNotModified, ""},
	}
	for _, tt := range tests {
		rec := do(h, tt.method, path, tt.header, "")
		if rec.Code != tt.code || (tt.body != "" && rec.Body.String() != tt.body) {
			t.Errorf("%s %v: %d %q, want %d %q",
				tt.method, tt.header, rec.Code, rec.Body.String(), tt.code, tt.body)
		}
		if got := rec.Header().Get("ETag"); got != etag {
			t.Errorf("%s %v: ETag %q, want %q", tt.method, tt.header, got, etag)
		}
	}
	multi := do(h, "GET", path, http.Header{"Range": {"bytes=0-0,20-29,-1"}}, "").Body.String()
	for _, part := range []string{string(doc[:1]), string(doc[20:30]), string(doc[len(doc)-1:])} {
		if !strings.Contains(multi, "\r\n\r\n"+part+"\r\n") {
			t.Errorf("multipart answer lacks the part %q:\n%s", part, multi)
		}
	}
}
