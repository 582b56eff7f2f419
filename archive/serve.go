package archive

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gocloud.dev/blob"
)

// MaxReportSize is the largest CSP report body the report endpoint reads.
const MaxReportSize = 64 << 10

// The report endpoint logs at most reportsPerSecond violations a second and
// reportsPerBatch of one request, so that nobody can flood the log.
const (
	reportsPerSecond = 50
	reportsPerBatch  = 10
)

// maxRanges is the most byte ranges a request may ask for; a request for
// more gets the whole document, as RFC 9110 lets a server do, rather than
// a multipart answer many times its size.
const maxRanges = 16

// HandlerOptions configure Handler.
type HandlerOptions struct {
	// Prefix is the URL path the store is served under, e.g. "/sbom".
	// Empty serves it at the root.
	Prefix string
	// Log receives CSP violation reports (at warning level) and read
	// errors; nil discards them.
	Log *slog.Logger
}

// Handler serves a store read-only under opts.Prefix: the page at
// <prefix>/, the index files, and each release's documents, SHA256SUMS and
// release.json. Every response carries the security headers of a trust
// page. <prefix>/csp-report takes CSP violation reports in both formats.
// Paths outside the store's layout, temporary files and, on file stores,
// symbolic links are not served.
func Handler(s *Store, opts HandlerOptions) http.Handler {
	h := &handler{store: s, prefix: strings.TrimSuffix(opts.Prefix, "/"), log: opts.Log}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

type handler struct {
	store  *Store
	prefix string
	log    *slog.Logger

	mu       sync.Mutex
	indexTag string              // ETag of the index.json that docs came from
	docs     map[string]Document // by path

	reportMu     sync.Mutex
	reportSecond int64 // the Unix second reportCount counts in
	reportCount  int
}

// allowReports reports whether n more violations may be logged this second.
func (h *handler) allowReports(n int) bool {
	h.reportMu.Lock()
	defer h.reportMu.Unlock()
	now := time.Now().Unix()
	if now != h.reportSecond {
		h.reportSecond, h.reportCount = now, 0
	}
	if h.reportCount+n > reportsPerSecond {
		return false
	}
	h.reportCount += n
	return true
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.securityHeaders(w, r)
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		// Relative links on the page need the trailing slash.
		http.Redirect(w, r, h.prefix+"/", http.StatusMovedPermanently)
		return
	}
	key := strings.TrimPrefix(rest, "/")
	if key == "csp-report" {
		h.cspReport(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if key == "" {
		key = indexHTML
	}
	if !servable(key) {
		http.NotFound(w, r)
		return
	}
	h.serveKey(w, r, key)
}

// servable reports whether key is one the store's layout has and serve
// shows: an index file, or a document, SHA256SUMS or release.json of a
// release. Checking names segment by segment also keeps "..", encoded
// slashes and empty segments out.
func servable(key string) bool {
	switch key {
	case indexJSON, indexHTML, feedXML, styleCSS, faviconSVG:
		return true
	}
	parts := strings.Split(key, "/")
	if len(parts) != 3 || CheckName("product", parts[0]) != nil ||
		CheckName("release", parts[1]) != nil {
		return false
	}
	return parts[2] == releaseJSON || isReleaseFile(key)
}

// serveKey streams key from the store: nothing is read for HEAD or a
// conditional hit, and a Range request reads only its ranges. A document
// of the index carries its indexed SHA-256 as ETag when its size agrees;
// other files carry the store's ETag.
func (h *handler) serveKey(w http.ResponseWriter, r *http.Request, key string) {
	if err := h.store.checkRegular(key); err != nil {
		h.log.Warn("refused to serve", "path", key, "reason", err.Error())
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	attrs, err := h.store.bucket.Attributes(ctx, key)
	if isNotFound(err) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.log.Error("reading store", "path", key, "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	hd := w.Header()
	etag := attrs.ETag
	doc, indexed := h.indexed(ctx, key)
	switch {
	case indexed && doc.Size == attrs.Size:
		etag = `"` + doc.SHA256 + `"`
	case indexed:
		h.log.Warn("document differs from the index; archive verify checks the store",
			"path", key, "size", attrs.Size, "indexed_size", doc.Size)
	}
	if etag != "" {
		hd.Set("ETag", etag)
	}
	hd.Set("Content-Type", contentType(key, doc.SpecVersion))
	if strings.Contains(key, "/") {
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment",
			map[string]string{"filename": key[strings.LastIndexByte(key, '/')+1:]}))
		hd.Set("Cache-Control", "public, max-age=3600")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if strings.Count(r.Header.Get("Range"), ",") >= maxRanges {
		r = r.Clone(ctx)
		r.Header.Del("Range")
	}
	content := &objectReader{ctx: ctx, bucket: h.store.bucket, key: key, size: attrs.Size}
	defer content.Close()
	http.ServeContent(w, r, "", attrs.ModTime, content)
	if content.err != nil && ctx.Err() == nil { // not a client that went away
		h.log.Error("reading store", "path", key, "err", content.err)
	}
}

// indexed returns the index entry of a document. The index is re-read
// only when its ETag changes.
func (h *handler) indexed(ctx context.Context, key string) (Document, bool) {
	if strings.Count(key, "/") != 2 || !isReleaseFile(key) ||
		strings.HasSuffix(key, "/"+sumsName) {
		return Document{}, false
	}
	tag, err := h.store.etag(ctx, indexJSON)
	if err != nil || tag == "" {
		return Document{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if tag != h.indexTag {
		data, err := h.store.get(ctx, indexJSON)
		if err != nil {
			return Document{}, false
		}
		ix, err := ParseIndex(indexJSON, data)
		if err != nil {
			h.log.Error("reading store", "path", indexJSON, "err", err)
			return Document{}, false
		}
		h.docs = map[string]Document{}
		for _, p := range ix.Products {
			for _, r := range p.Releases {
				for _, d := range r.Documents {
					h.docs[d.Path] = d
				}
			}
		}
		h.indexTag = tag
	}
	d, ok := h.docs[key]
	return d, ok
}

// objectReader reads a store object for http.ServeContent. Seeking
// reads nothing; the first Read after a Seek opens a ranged read of the
// rest of the object, so HEAD opens none and each range of a Range request
// reads only from where it starts.
type objectReader struct {
	ctx    context.Context
	bucket *blob.Bucket
	key    string
	size   int64 // from the object's attributes

	off int64
	r   *blob.Reader
	err error // the first read error, for the log
}

func (o *objectReader) Read(p []byte) (int, error) {
	if o.off >= o.size {
		return 0, io.EOF
	}
	if o.r == nil {
		r, err := o.bucket.NewRangeReader(o.ctx, o.key, o.off, o.size-o.off, nil)
		if err != nil {
			o.err = cmp.Or(o.err, err)
			return 0, err
		}
		o.r = r
	}
	n, err := o.r.Read(p)
	o.off += int64(n)
	if err != nil && err != io.EOF {
		o.err = cmp.Or(o.err, err)
	}
	return n, err
}

func (o *objectReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.off
	case io.SeekEnd:
		offset += o.size
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	if offset != o.off {
		o.Close()
		o.off = offset
	}
	return offset, nil
}

// Close ends the open ranged read, if any.
func (o *objectReader) Close() error {
	if o.r == nil {
		return nil
	}
	err := o.r.Close()
	o.r = nil
	return err
}

// checkRegular refuses, on a file store, a key whose path has a symbolic
// link or a non-regular file in it: a link could point out of the store.
func (s *Store) checkRegular(key string) error {
	if s.dir == "" {
		return nil
	}
	path := s.dir
	for _, part := range strings.Split(key, "/") {
		path = filepath.Join(path, part)
		fi, err := os.Lstat(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil // served as a 404
		}
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link", key)
		}
		if !fi.Mode().IsRegular() && !fi.IsDir() {
			return fmt.Errorf("%s is not a regular file", key)
		}
	}
	return nil
}

// securityHeaders sets the headers every response carries. The page and its
// style sheet are same-origin resources; documents and index.json are
// meant for other sites' tools, so they are cross-origin and CORS-readable.
func (h *handler) securityHeaders(w http.ResponseWriter, r *http.Request) {
	report := h.prefix + "/csp-report"
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "+
		"report-uri "+report+"; report-to csp")
	hd.Set("Reporting-Endpoints", `csp="`+report+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if r.TLS != nil {
		hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	corp := "same-origin"
	p := strings.TrimPrefix(r.URL.Path, h.prefix+"/")
	if p == indexJSON || p == feedXML || strings.Count(p, "/") == 2 {
		corp = "cross-origin"
		hd.Set("Access-Control-Allow-Origin", "*")
	}
	hd.Set("Cross-Origin-Resource-Policy", corp)
}

// cspReport accepts a violation report: application/csp-report (one
// {"csp-report": {...}}) or application/reports+json (an array of reports
// whose type is "csp-violation"), at most MaxReportSize bytes. Each report
// is logged at warning level, within a rate limit; the answer is 204, or
// 429 past the limit.
func (h *handler) cspReport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/csp-report" && mt != "application/reports+json") {
		http.Error(w, "want application/csp-report or application/reports+json",
			http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxReportSize))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, "report too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, "reading report", http.StatusBadRequest)
		return
	}
	reports, err := parseReports(mt, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(reports) > reportsPerBatch {
		reports = reports[:reportsPerBatch]
	}
	if !h.allowReports(len(reports)) {
		http.Error(w, "too many reports", http.StatusTooManyRequests)
		return
	}
	for _, rep := range reports {
		h.log.Warn("csp violation", rep...)
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseReports returns each report's fields as slog attributes.
func parseReports(mediaType string, body []byte) ([][]any, error) {
	if mediaType == "application/csp-report" {
		var legacy struct {
			Report map[string]any `json:"csp-report"`
		}
		if err := json.Unmarshal(body, &legacy); err != nil || legacy.Report == nil {
			return nil, errors.New(`want {"csp-report": {...}}`)
		}
		return [][]any{attrs("report-uri", legacy.Report)}, nil
	}
	var batch []struct {
		Type string         `json:"type"`
		URL  string         `json:"url"`
		Body map[string]any `json:"body"`
	}
	if err := json.Unmarshal(body, &batch); err != nil {
		return nil, errors.New("want a JSON array of reports")
	}
	var out [][]any
	for _, b := range batch {
		if b.Type != "csp-violation" {
			continue
		}
		a := attrs("report-to", b.Body)
		out = append(out, append(a, "url", b.URL))
	}
	if len(out) == 0 {
		return nil, errors.New("no csp-violation report in the batch")
	}
	return out, nil
}

// Bounds on what one report puts in the log: its fields, and the length
// of each field's name and value. A CSP report has about a dozen fields
// with short names.
const (
	maxReportFields = 32
	maxFieldName    = 64
	maxFieldValue   = 512
)

// attrs keeps the report fields worth logging, as strings cut to a
// bounded length, so that a report cannot flood the log with nested data,
// long names or many fields.
func attrs(via string, fields map[string]any) []any {
	out := []any{"via", via}
	for i, k := range sortedKeys(fields) {
		if i == maxReportFields {
			out = append(out, "omitted-fields", len(fields)-maxReportFields)
			break
		}
		out = append(out, cut(k, maxFieldName), cut(fmt.Sprint(fields[k]), maxFieldValue))
	}
	return out
}

// cut shortens s to at most n bytes, on a character boundary, marking the
// cut with "…".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
