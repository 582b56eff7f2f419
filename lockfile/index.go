package lockfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// DefaultIndexURL is the index pip uses when none is given.
const DefaultIndexURL = "https://pypi.org/simple/"

// IndexFile is one distribution file (wheel or sdist) a package index or a
// find-links location offers.
type IndexFile struct {
	// Filename is the file's name; URL is where it is downloaded from,
	// with any credentials of the index it came from.
	Filename string
	URL      string

	// SHA256 is the lower-case hex digest the index gives for the file, or
	// the one computed by downloading it when the index gives none.
	SHA256 string

	// Yanked is true when the index marks the file yanked (PEP 592).
	Yanked bool

	// local is true for a file of a find-links folder, whose file: URL
	// the user gave; page is the index or find-links page (credentials
	// removed) that named any other file.
	local bool
	page  string
}

// Sources are the places pip looks for distribution files: package indexes
// speaking the simple repository API, and find-links locations (local
// folders or HTML pages of links). Its zero value asks nothing; the pip
// backend fills it from the index options.
type Sources struct {
	// IndexURLs are simple-API index URLs (the first is pip's --index-url,
	// the others --extra-index-url). They may carry credentials.
	IndexURLs []string

	// FindLinks are folders or URLs of pages of links (--find-links).
	FindLinks []string

	// Dir is the folder relative find-links paths start from; "" means
	// the working folder.
	Dir string

	// Client makes the requests; nil means a client that waits at most a
	// minute for an answer to start. Timeout and the caller's context
	// bound every request.
	Client *http.Client

	// Workers bounds how many projects are asked about at once; 0 means 8.
	Workers int

	// Timeout bounds each request, an index page or a file, from asking
	// to the last byte of the answer; 0 means DefaultRequestTimeout.
	Timeout time.Duration

	// MaxFileSize bounds each file downloaded to be hashed; 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64

	once sync.Once
	red  *redactor
}

// redactor removes the credentials of s's own URLs from messages, even
// where no URL pattern finds them (a "/" in a password).
func (s *Sources) redactor() *redactor {
	s.once.Do(func() {
		s.red = newRedactor(append(append([]string{}, s.IndexURLs...), s.FindLinks...)...)
	})
	return s.red
}

// indexError is an IndexError about u, credentials removed from the URL
// and from the message of err (a URL parse error quotes the URL).
func (s *Sources) indexError(u string, err error) *IndexError {
	r := s.redactor()
	return &IndexError{URL: r.redact(u), Err: r.redactError(err)}
}

// DefaultRequestTimeout bounds a request when Sources.Timeout is 0: enough
// for a large wheel over a slow link, not for a server that trickles.
const DefaultRequestTimeout = 5 * time.Minute

// DefaultMaxFileSize bounds a download when Sources.MaxFileSize is 0:
// larger than any wheel PyPI serves.
const DefaultMaxFileSize = 4 << 30

// IndexError is an index that could not be read: unreachable, an HTTP
// error other than "no such project", or a page that does not parse; or,
// for IndexCheck, one that has none of the projects asked about. Its URL
// has its credentials removed.
type IndexError struct {
	URL string
	Err error
}

// Error names the index and says what went wrong.
func (e *IndexError) Error() string { return "package index " + e.URL + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *IndexError) Unwrap() error { return e.Err }

// defaultClient gives up on an index that accepts a connection but does
// not answer; Sources.Timeout bounds the rest (a large download).
var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: time.Minute,
	IdleConnTimeout:       90 * time.Second,
	MaxIdleConnsPerHost:   8,
}}

// errNoProject is a 404 from an index: the project is not there.
var errNoProject = errors.New("no such project")

// Release names one pinned version whose files are wanted.
type Release struct {
	Name    string
	Version string
}

// Files returns, for each release, every distribution file of exactly that
// version across all sources, for every platform, each with its SHA-256:
// from the index when it gives one (PEP 691 JSON or a PEP 503 #sha256=
// fragment), otherwise by downloading the file. A release no source has
// gets an empty list; an index that cannot be read is an error.
func (s *Sources) Files(ctx context.Context, releases []Release) (map[Release][]IndexFile, error) {
	out, _, err := s.lookup(ctx, releases)
	return out, err
}

// lookup is Files that also says which projects (by canonical name) some
// index has a page for.
func (s *Sources) lookup(ctx context.Context, releases []Release) (
	map[Release][]IndexFile, map[string]bool, error) {
	out := make(map[Release][]IndexFile, len(releases))
	onIndex := make(map[string]bool)
	results := make([][]IndexFile, len(releases))
	found := make([]bool, len(releases))
	g, ctx := errgroup.WithContext(ctx)
	workers := s.Workers
	if workers <= 0 {
		workers = 8
	}
	g.SetLimit(workers)
	for i, r := range releases {
		g.Go(func() error {
			var err error
			results[i], found[i], err = s.releaseFiles(ctx, r)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for i, r := range releases {
		out[r] = results[i]
		if found[i] {
			onIndex[Canonical(r.Name)] = true
		}
	}
	return out, onIndex, nil
}

// releaseFiles returns the files of r and whether an index has a page for
// its project.
func (s *Sources) releaseFiles(ctx context.Context, r Release) ([]IndexFile, bool, error) {
	var all []IndexFile
	onIndex := false
	for _, base := range s.IndexURLs {
		files, err := s.projectPage(ctx, base, r.Name)
		if errors.Is(err, errNoProject) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		onIndex = true
		all = append(all, files...)
	}
	for _, loc := range s.FindLinks {
		files, err := s.findLinks(ctx, loc)
		if err != nil {
			return nil, false, err
		}
		all = append(all, files...)
	}

	seen := map[string]bool{}
	var mine []IndexFile
	for _, f := range all {
		if !fileIsRelease(f.Filename, r.Name, r.Version) || seen[f.URL] {
			continue
		}
		seen[f.URL] = true
		if !f.local && !isHTTP(f.URL) {
			// file:///dev/zero would never end; file:///etc/… would let
			// an index probe the machine.
			return nil, false, &IndexError{URL: f.page, Err: fmt.Errorf("%s is at %s: "+
				"an index's files must be http or https URLs", f.Filename,
				clip(s.redactor().redact(f.URL)))}
		}
		if f.SHA256 == "" {
			sum, err := s.download(ctx, f.URL)
			if err != nil {
				return nil, false, err
			}
			f.SHA256 = sum
		}
		mine = append(mine, f)
	}
	sort.Slice(mine, func(i, j int) bool {
		if mine[i].Filename != mine[j].Filename {
			return mine[i].Filename < mine[j].Filename
		}
		return mine[i].URL < mine[j].URL
	})
	return mine, onIndex, nil
}

// acceptSimple asks for PEP 691 JSON first, as pip does.
const acceptSimple = "application/vnd.pypi.simple.v1+json, " +
	"application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

// maxPage bounds an index page; PyPI's largest project pages are a few MB.
const maxPage = 64 << 20

// projectPage reads <base>/<project>/ in JSON or HTML.
func (s *Sources) projectPage(ctx context.Context, base, name string) ([]IndexFile, error) {
	page := strings.TrimSuffix(base, "/") + "/" + Canonical(name) + "/"
	resp, err := s.get(ctx, page, acceptSimple)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, errNoProject
	case resp.StatusCode != http.StatusOK:
		return nil, s.indexError(page, fmt.Errorf("HTTP %s", resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err != nil {
		return nil, s.indexError(page, err)
	}
	if len(body) > maxPage {
		return nil, s.indexError(page, fmt.Errorf("page larger than %s", sizeText(maxPage)))
	}
	given, err := url.Parse(page)
	if err != nil {
		return nil, s.indexError(page, err)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var files []IndexFile
	if mt == "application/vnd.pypi.simple.v1+json" {
		files, err = parseSimpleJSON(body, resp.Request.URL, given)
	} else {
		files, err = parseSimpleHTML(body, resp.Request.URL, given)
	}
	if err != nil {
		return nil, s.indexError(page, err)
	}
	return s.namedBy(files, page), nil
}

// namedBy records the page that named each file.
func (s *Sources) namedBy(files []IndexFile, page string) []IndexFile {
	shown := s.redactor().redact(page)
	for i := range files {
		files[i].page = shown
	}
	return files
}

// isHTTP reports whether u is an http or https URL.
func isHTTP(u string) bool {
	sch := scheme(u)
	return sch == "http" || sch == "https"
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (a missing port is the scheme's default).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) && portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// fileURL resolves the link of a file on an index page against base (the
// page after any redirects, or its <base href>) and gives it the
// credentials of given, the URL the page was asked for, when it is on the
// same origin as given and carries none of its own: as pip does, an
// index's credentials go to its own server only, never to another origin,
// be it one the index redirected to or one its links point at.
func fileURL(base, given *url.URL, link string) (*url.URL, error) {
	u, err := base.Parse(link)
	if err != nil {
		return nil, err
	}
	if u.User == nil && sameOrigin(u, given) {
		u.User = given.User
	}
	return u, nil
}

// parseSimpleJSON reads a PEP 691 project page read from page, asked for
// as given (see fileURL).
func parseSimpleJSON(body []byte, page, given *url.URL) ([]IndexFile, error) {
	var doc struct {
		Files []struct {
			Filename string            `json:"filename"`
			URL      string            `json:"url"`
			Hashes   map[string]string `json:"hashes"`
			Yanked   any               `json:"yanked"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("reading PEP 691 JSON: %w", err)
	}
	var files []IndexFile
	for _, f := range doc.Files {
		ref, err := fileURL(page, given, f.URL)
		if err != nil {
			return nil, fmt.Errorf("file %s: bad URL: %w", f.Filename, err)
		}
		yanked := f.Yanked != nil && f.Yanked != false
		files = append(files, IndexFile{
			Filename: f.Filename,
			URL:      withoutFragment(ref),
			SHA256:   strings.ToLower(f.Hashes["sha256"]),
			Yanked:   yanked,
		})
	}
	return files, nil
}

func withoutFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// findLinks lists a --find-links location: a local folder (relative to
// Sources.Dir), a file:// URL of one, or an HTML page of links.
func (s *Sources) findLinks(ctx context.Context, loc string) ([]IndexFile, error) {
	dir := loc
	if !filepath.IsAbs(dir) && s.Dir != "" {
		dir = filepath.Join(s.Dir, dir)
	}
	if u, err := url.Parse(loc); err == nil && u.Scheme == "file" {
		dir = u.Path
	} else if err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return s.linksPage(ctx, loc)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // pip skips a missing folder with a warning
	}
	if err != nil {
		return nil, fmt.Errorf("find-links %s: %w", loc, err)
	}
	var files []IndexFile
	for _, e := range entries {
		if e.Type().IsRegular() {
			path, err := filepath.Abs(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			files = append(files, IndexFile{Filename: e.Name(),
				URL: (&url.URL{Scheme: "file", Path: path}).String(), local: true})
		}
	}
	return files, nil
}

func (s *Sources) linksPage(ctx context.Context, page string) ([]IndexFile, error) {
	resp, err := s.get(ctx, page, "text/html")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.indexError(page, fmt.Errorf("HTTP %s", resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return nil, s.indexError(page, err)
	}
	given, err := url.Parse(page)
	if err != nil {
		return nil, s.indexError(page, err)
	}
	files, err := parseSimpleHTML(body, resp.Request.URL, given)
	if err != nil {
		return nil, s.indexError(page, err)
	}
	return s.namedBy(files, page), nil
}

// get sends a GET request. The answer must come, body and all, within
// s.Timeout: closing the body ends the request's own deadline.
func (s *Sources) get(ctx context.Context, rawURL, accept string) (*http.Response, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, rawURL, nil)
	if err != nil {
		cancel()
		// The parse error quotes pieces of the URL, a password's too.
		err = errors.New("not a valid URL")
		if strings.Contains(rawURL, "@") {
			err = errors.New("not a valid URL (a / ? # or @ in a user name or password must be " +
				"percent-encoded)")
		}
		return nil, s.indexError(rawURL, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message repeats the URL, credentials included
		}
		if timedOut(ctx, reqCtx) {
			err = &requestTimeout{timeout}
		}
		cancel()
		return nil, s.indexError(rawURL, err)
	}
	resp.Body = &deadlineBody{ReadCloser: resp.Body, ctx: ctx, reqCtx: reqCtx, cancel: cancel,
		timeout: timeout}
	return resp, nil
}

// requestTimeout is a request that did not end within Sources.Timeout.
type requestTimeout struct{ d time.Duration }

func (e *requestTimeout) Error() string {
	return "no complete answer within " + e.d.String()
}

// timedOut reports whether a request's own deadline ended it: reqCtx is
// past its deadline, ctx, the caller's, is not.
func timedOut(ctx, reqCtx context.Context) bool {
	return ctx.Err() == nil && errors.Is(reqCtx.Err(), context.DeadlineExceeded)
}

// deadlineBody is the body of an answer with a deadline of its own: a read
// after it fails with a requestTimeout, and Close ends it.
type deadlineBody struct {
	io.ReadCloser
	ctx, reqCtx context.Context
	cancel      context.CancelFunc
	timeout     time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && timedOut(b.ctx, b.reqCtx) {
		err = &requestTimeout{b.timeout}
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// download fetches a file and returns its SHA-256. A file: URL is read
// only when it names a regular file.
func (s *Sources) download(ctx context.Context, rawURL string) (string, error) {
	limit := s.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	h := sha256.New()
	if u, err := url.Parse(rawURL); err == nil && u.Scheme == "file" {
		f, err := os.Open(u.Path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return "", fmt.Errorf("hashing %s: not a regular file", u.Path)
		}
		if n, err := io.Copy(h, io.LimitReader(f, limit+1)); err != nil {
			return "", fmt.Errorf("hashing %s: %w", u.Path, err)
		} else if n > limit {
			return "", fmt.Errorf("hashing %s: larger than %s", u.Path, sizeText(limit))
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	resp, err := s.get(ctx, rawURL, "")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", s.indexError(rawURL, fmt.Errorf("downloading: HTTP %s", resp.Status))
	}
	tooLarge := s.indexError(rawURL, fmt.Errorf("downloading: larger than %s: "+
		"not hashed", sizeText(limit)))
	if resp.ContentLength > limit {
		return "", tooLarge
	}
	n, err := io.Copy(h, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return "", s.indexError(rawURL, fmt.Errorf("downloading: %w", err))
	}
	if n > limit {
		return "", tooLarge
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sizeText writes a byte count for messages: "4 GiB", "1000 bytes".
func sizeText(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// sdistExts are the source archive suffixes pip accepts.
var sdistExts = []string{".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip"}

// fileIsRelease reports whether a wheel or sdist file name belongs to that
// project and version. Names compare in canonical form and versions as
// PEP 440 versions ("1.0" is "1.0.0").
func fileIsRelease(filename, name, version string) bool {
	project, ver, ok := splitDistName(filename)
	if !ok || Canonical(project) != Canonical(name) {
		return false
	}
	return sameVersion(ver, version)
}

// splitDistName splits a wheel or sdist file name into project and version.
func splitDistName(filename string) (project, version string, ok bool) {
	if stem, isWheel := strings.CutSuffix(filename, ".whl"); isWheel {
		parts := strings.Split(stem, "-")
		if len(parts) != 5 && len(parts) != 6 {
			return "", "", false
		}
		return parts[0], parts[1], true
	}
	for _, ext := range sdistExts {
		if stem, isSdist := strings.CutSuffix(strings.ToLower(filename), ext); isSdist {
			stem = filename[:len(stem)]
			// Old sdists put dashes in the name: the version starts after
			// the last dash followed by a digit.
			for i := len(stem) - 1; i > 0; i-- {
				if stem[i] == '-' && i+1 < len(stem) && stem[i+1] >= '0' && stem[i+1] <= '9' {
					return stem[:i], stem[i+1:], true
				}
			}
			return "", "", false
		}
	}
	return "", "", false
}
