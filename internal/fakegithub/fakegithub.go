// Package fakegithub is a test server that answers the GitHub release
// endpoints the way GitHub does, from memory: published releases are found
// by tag, drafts only by listing; assets carry a server-computed digest; a
// duplicate asset name is a 422; an upload that fails may leave a "starter"
// asset behind. It serves the REST API under /api/v3/ and uploads under
// /api/uploads/, as GitHub Enterprise Server does, for the repository
// acme/agent, and can be told to fail requests of a route.
package fakegithub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server answers the release endpoints the way GitHub does, from
// memory: published releases are found by tag, drafts only by listing;
// Server is a fake GitHub for the repository acme/agent.
type Server struct {
	// Token is the token requests must carry (Authorization: Bearer).
	Token string
	// NoDigest makes the server answer like an older Enterprise Server,
	// without the assets' digest field.
	NoDigest bool

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	nextID   int64
	releases []*Release
	log      []string           // "METHOD path" of every request, in order
	faults   map[string][]Fault // by route: "upload", "list-assets", …
}

// Repository is the repository the server knows.
const Repository = "acme/agent"

// Release is a release the server holds.
type Release struct {
	ID        int64
	Tag       string
	Draft     bool
	Immutable bool   // published releases refuse asset changes
	Commit    string // target_commitish given at creation
	Assets    []*Asset
}

// Asset is a release asset the server holds.
type Asset struct {
	ID          int64
	Name, Label string
	ContentType string
	State       string // "uploaded", or "starter" for an upload that broke off
	Data        []byte
}

// A Fault replaces the normal answer of one request to a route.
type Fault struct {
	Status int
	Header map[string]string
	Body   string
	// Keep is, for uploads, what the failed request leaves: "" nothing,
	// "starter" an empty asset, "stored" the complete asset (the upload
	// worked but the answer was lost).
	Keep string
}

// New starts a server that stops when the test ends.
func New(t testing.TB) *Server {
	f := &Server{t: t, Token: "test-token", nextID: 100, faults: map[string][]Fault{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// APIURL is the REST API root, as GITHUB_API_URL gives it on Enterprise
// Server.
func (f *Server) APIURL() string {
	return f.srv.URL + "/api/v3"
}

// AddRelease adds a release of tag; a published one is immutable.
func (f *Server) AddRelease(tag string, draft bool) *Release {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	r := &Release{ID: f.nextID, Tag: tag, Draft: draft, Immutable: !draft}
	f.releases = append(f.releases, r)
	return r
}

// AddAsset adds an asset to r.
func (f *Server) AddAsset(r *Release, name, state string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	r.Assets = append(r.Assets, &Asset{
		ID:          f.nextID,
		Name:        name,
		State:       state,
		Data:        data,
		ContentType: "application/octet-stream",
	})
}

// Inject queues faults for the next requests to route: "get-by-tag",
// "list-releases", "create", "list-assets" or "upload".
func (f *Server) Inject(route string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[route] = append(f.faults[route], faults...)
}

// Requests returns "METHOD path" (and "?name=" for uploads) of every
// request so far, in order.
func (f *Server) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// Release returns the release of tag, or nil.
func (f *Server) Release(tag string) *Release {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.releases {
		if r.Tag == tag {
			return r
		}
	}
	return nil
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	entry := r.Method + " " + r.URL.Path
	if name := r.URL.Query().Get("name"); name != "" {
		entry += "?name=" + name
	}
	f.log = append(f.log, entry)

	if r.Header.Get("Authorization") != "Bearer "+f.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	const (
		api     = "/api/v3/repos/acme/agent/releases"
		uploads = "/api/uploads/repos/acme/agent/releases"
	)
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(path, api+"/tags/"):
		f.getByTag(w, strings.TrimPrefix(path, api+"/tags/"))
	case r.Method == http.MethodGet && path == api:
		f.listReleases(w, r)
	case r.Method == http.MethodPost && path == api:
		f.createRelease(w, r)
	case r.Method == http.MethodPatch && strings.HasPrefix(path, api+"/"):
		f.editRelease(w, r, strings.TrimPrefix(path, api+"/"))
	case r.Method == http.MethodGet && strings.HasPrefix(path, api+"/assets/"):
		f.downloadAsset(w, strings.TrimPrefix(path, api+"/assets/"))
	case r.Method == http.MethodDelete && strings.HasPrefix(path, api+"/assets/"):
		f.deleteAsset(w, strings.TrimPrefix(path, api+"/assets/"))
	case r.Method == http.MethodGet && strings.HasPrefix(path, api+"/") &&
		strings.HasSuffix(path, "/assets"):
		f.listAssets(w, r, strings.TrimSuffix(strings.TrimPrefix(path, api+"/"), "/assets"))
	case r.Method == http.MethodPost && strings.HasPrefix(path, uploads+"/") &&
		strings.HasSuffix(path, "/assets"):
		f.upload(w, r, strings.TrimSuffix(strings.TrimPrefix(path, uploads+"/"), "/assets"))
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// fault pops the next injected fault of route, if any, and writes it.
func (f *Server) fault(w http.ResponseWriter, route string) (Fault, bool) {
	q := f.faults[route]
	if len(q) == 0 {
		return Fault{}, false
	}
	ft := q[0]
	f.faults[route] = q[1:]
	for k, v := range ft.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ft.Status)
	io.WriteString(w, ft.Body)
	return ft, true
}

func (f *Server) releaseJSON(r *Release) map[string]any {
	return map[string]any{
		"id": r.ID, "tag_name": r.Tag, "draft": r.Draft,
		"html_url": fmt.Sprintf("https://github.example/acme/agent/releases/%d", r.ID),
	}
}

func (f *Server) byID(s string) *Release {
	id, _ := strconv.ParseInt(s, 10, 64)
	for _, r := range f.releases {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (f *Server) getByTag(w http.ResponseWriter, tag string) {
	if _, ok := f.fault(w, "get-by-tag"); ok {
		return
	}
	for _, r := range f.releases {
		if r.Tag == tag && !r.Draft {
			writeJSON(w, http.StatusOK, f.releaseJSON(r))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func (f *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.fault(w, "list-releases"); ok {
		return
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if per <= 0 {
		per = 30
	}
	if page <= 0 {
		page = 1
	}
	var out []map[string]any
	for i := len(f.releases) - 1; i >= 0; i-- { // newest first
		out = append(out, f.releaseJSON(f.releases[i]))
	}
	start, end := min((page-1)*per, len(out)), min(page*per, len(out))
	if end < len(out) {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?per_page=%d&page=%d>; rel="next"`,
			f.srv.URL, r.URL.Path, per, page+1))
	}
	writeJSON(w, http.StatusOK, append([]map[string]any{}, out[start:end]...))
}

func (f *Server) createRelease(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.fault(w, "create"); ok {
		return
	}
	var body struct {
		Tag    string `json:"tag_name"`
		Draft  bool   `json:"draft"`
		Commit string `json:"target_commitish"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	for _, rel := range f.releases {
		if rel.Tag == body.Tag {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
				"message": "Validation Failed",
				"errors": []map[string]string{
					{"resource": "Release", "code": "already_exists", "field": "tag_name"},
				},
			})
			return
		}
	}
	f.nextID++
	rel := &Release{ID: f.nextID, Tag: body.Tag, Draft: body.Draft, Commit: body.Commit}
	f.releases = append(f.releases, rel)
	writeJSON(w, http.StatusCreated, f.releaseJSON(rel))
}

func (f *Server) editRelease(w http.ResponseWriter, r *http.Request, id string) {
	rel := f.byID(id)
	if rel == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	var body struct {
		Draft *bool `json:"draft"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	if body.Draft != nil && !*body.Draft {
		rel.Draft, rel.Immutable = false, true
	}
	writeJSON(w, http.StatusOK, f.releaseJSON(rel))
}

func (f *Server) assetJSON(a *Asset) map[string]any {
	m := map[string]any{"id": a.ID, "name": a.Name, "label": a.Label, "state": a.State,
		"size": len(a.Data), "content_type": a.ContentType}
	if !f.NoDigest && a.State == "uploaded" {
		sum := sha256.Sum256(a.Data)
		m["digest"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	return m
}

func (f *Server) listAssets(w http.ResponseWriter, r *http.Request, id string) {
	if _, ok := f.fault(w, "list-assets"); ok {
		return
	}
	rel := f.byID(id)
	if rel == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	out := []map[string]any{}
	for _, a := range rel.Assets {
		out = append(out, f.assetJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Server) findAsset(id string) (*Release, int) {
	n, _ := strconv.ParseInt(id, 10, 64)
	for _, r := range f.releases {
		for i, a := range r.Assets {
			if a.ID == n {
				return r, i
			}
		}
	}
	return nil, -1
}

func (f *Server) downloadAsset(w http.ResponseWriter, id string) {
	rel, i := f.findAsset(id)
	if rel == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(rel.Assets[i].Data)
}

func (f *Server) deleteAsset(w http.ResponseWriter, id string) {
	rel, i := f.findAsset(id)
	switch {
	case rel == nil:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	case rel.Immutable:
		writeJSON(w, http.StatusUnprocessableEntity,
			map[string]string{"message": "Cannot delete asset from an immutable release"})
	default:
		rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *Server) upload(w http.ResponseWriter, r *http.Request, id string) {
	rel := f.byID(id)
	if rel == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	name := r.URL.Query().Get("name")
	data, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("upload %s: reading body: %v", name, err)
	}
	if int64(len(data)) != r.ContentLength {
		f.t.Errorf("upload %s: Content-Length %d, body %d bytes", name, r.ContentLength, len(data))
	}
	for _, a := range rel.Assets {
		if a.Name == name {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
				"message": "Validation Failed",
				"errors": []map[string]string{
					{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"},
				},
			})
			return
		}
	}
	if rel.Immutable {
		writeJSON(w, http.StatusUnprocessableEntity,
			map[string]string{"message": "Cannot upload assets to an immutable release."})
		return
	}
	if ft, ok := f.fault(w, "upload"); ok {
		switch ft.Keep {
		case "starter":
			f.nextID++
			rel.Assets = append(rel.Assets, &Asset{ID: f.nextID, Name: name, State: "starter"})
		case "stored":
			f.nextID++
			rel.Assets = append(rel.Assets, &Asset{
				ID:          f.nextID,
				Name:        name,
				State:       "uploaded",
				Data:        data,
				ContentType: r.Header.Get("Content-Type"),
			})
		}
		return
	}
	f.nextID++
	a := &Asset{ID: f.nextID, Name: name, Label: r.URL.Query().Get("label"), State: "uploaded",
		Data: data, ContentType: r.Header.Get("Content-Type")}
	rel.Assets = append(rel.Assets, a)
	writeJSON(w, http.StatusCreated, f.assetJSON(a))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
