// Package pyindex is a Python package index for tests: it builds real
// wheels and sdists with chosen names, versions and Requires-Dist, and serves
// them on 127.0.0.1 the way PyPI does, so that the machine's real pip can
// resolve, download and hash-check against it.
//
// The index speaks the simple repository API in both forms: PEP 503 HTML
// (links with #sha256= fragments, data-requires-python, data-yanked) and PEP
// 691 JSON (api-version 1.1), chosen by the Accept header. Files are served
// under /files/. A test can tell it to omit hashes, serve HTML only, yank a
// file, tamper with a file's bytes, or demand basic authentication.
//
// Not implemented: PEP 658 metadata files, upload times, project-level
// status markers (PEP 792).
//
// See https://peps.python.org/pep-0503/ and https://peps.python.org/pep-0691/.
package pyindex

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// File is one distribution file the index serves.
type File struct {
	// Project is the project name as the release spelled it.
	Project string
	// Version is the release's version.
	Version string
	// Filename is the file's name, also the last part of its URL.
	Filename string
	// Data are the file's true bytes, and SHA256 their hex digest.
	Data   []byte
	SHA256 string
	// RequiresPython is served as data-requires-python.
	RequiresPython string
}

// Index is a package index served over HTTP on 127.0.0.1. It is safe for
// concurrent use; its settings may change while it serves.
type Index struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	projects   map[string][]*File // canonical name → files, in the order added
	files      map[string]*File   // file name → file
	yanked     map[string]string  // file name → reason
	tampered   map[string][]byte  // file name → bytes served instead
	downloads  map[string]int     // file name → GET count
	omitHashes bool
	htmlOnly   bool
	user, pass string
}

// New starts an empty index on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB) *Index {
	t.Helper()
	x := &Index{
		t:         t,
		projects:  make(map[string][]*File),
		files:     make(map[string]*File),
		yanked:    make(map[string]string),
		tampered:  make(map[string][]byte),
		downloads: make(map[string]int),
	}
	x.srv = httptest.NewServer(x)
	t.Cleanup(x.srv.Close)
	return x
}

// URL returns the index URL pip takes as --index-url: the server's
// /simple/ page, with the credentials of RequireAuth when they are set.
func (x *Index) URL() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.user != "" {
		return "http://" + x.user + ":" + x.pass + "@" +
			x.srv.Listener.Addr().String() + "/simple/"
	}
	return x.srv.URL + "/simple/"
}

// Host returns the server's host:port.
func (x *Index) Host() string {
	return x.srv.Listener.Addr().String()
}

// Add builds the files of each release (its wheels, and its sdist when
// asked) and serves them. It fails the test if a release cannot be built
// or a file name is already served.
func (x *Index) Add(releases ...Release) []*File {
	x.t.Helper()
	var added []*File
	for _, r := range releases {
		tags := r.Tags
		if len(tags) == 0 {
			tags = []string{"py3-none-any"}
		}
		for _, tag := range tags {
			name, data, err := Wheel(r, tag)
			if err != nil {
				x.t.Fatalf("pyindex: %v", err)
			}
			added = append(added, x.put(r, name, data))
		}
		if r.Sdist {
			name, data, err := Sdist(r)
			if err != nil {
				x.t.Fatalf("pyindex: %v", err)
			}
			added = append(added, x.put(r, name, data))
		}
	}
	return added
}

func (x *Index) put(r Release, filename string, data []byte) *File {
	x.t.Helper()
	sum := sha256.Sum256(data)
	f := &File{
		Project:        r.Name,
		Version:        r.Version,
		Filename:       filename,
		Data:           data,
		SHA256:         hex.EncodeToString(sum[:]),
		RequiresPython: r.RequiresPython,
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, dup := x.files[filename]; dup {
		x.t.Fatalf("pyindex: %s added twice", filename)
	}
	key := Canonical(r.Name)
	x.projects[key] = append(x.projects[key], f)
	x.files[filename] = f
	return f
}

// File returns the served file of that name, or nil.
func (x *Index) File(filename string) *File {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.files[filename]
}

// Files returns the files of one version of a project, sorted by name.
func (x *Index) Files(project, version string) []*File {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []*File
	for _, f := range x.projects[Canonical(project)] {
		if f.Version == version {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Filename < out[j].Filename })
	return out
}

// Yank marks a file as yanked (PEP 592) with a reason, which may be empty.
func (x *Index) Yank(filename, reason string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.mustHave(filename)
	x.yanked[filename] = reason
}

// Tamper makes the index serve other bytes for a file while it still lists
// the original hash, as a compromised mirror would.
func (x *Index) Tamper(filename string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f := x.mustHave(filename)
	bad := append([]byte(nil), f.Data...)
	bad = append(bad, "tampered"...)
	x.tampered[filename] = bad
}

// OmitHashes stops (or restarts) listing hashes: no #sha256= fragments in
// HTML and empty "hashes" objects in JSON.
func (x *Index) OmitHashes(omit bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.omitHashes = omit
}

// HTMLOnly makes the index answer every page in PEP 503 HTML, as an index
// that predates PEP 691 does, whatever the Accept header asks for.
func (x *Index) HTMLOnly(only bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.htmlOnly = only
}

// RequireAuth makes every request need HTTP basic authentication with
// this user and password. URL then carries them.
func (x *Index) RequireAuth(user, pass string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.user, x.pass = user, pass
}

// Downloads returns how many times the file's bytes were fetched.
func (x *Index) Downloads(filename string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.downloads[filename]
}

func (x *Index) mustHave(filename string) *File {
	f := x.files[filename]
	if f == nil {
		x.t.Fatalf("pyindex: no file %s", filename)
	}
	return f
}

// PipEnv returns environ without the user's pip settings (PIP_* variables,
// pip.conf), with pip's version check and cache switched off: the
// environment in which to run the real pip against an Index, so that what
// the test serves is all pip sees.
func PipEnv(environ []string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "PIP_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"PIP_CONFIG_FILE="+os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_CACHE_DIR=1",
		"PIP_NO_INPUT=1",
	)
}
