package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sentrikat/sbompipe/internal/newfile"
)

// MaxIndexSize bounds the index.json that Fetch reads.
const MaxIndexSize = 64 << 20

// Client downloads documents from a published archive and proves them
// against its index.json. The zero value is ready to use.
type Client struct {
	// HTTP is the client used; nil means one with the timeouts below and a
	// redirect policy that stays on the base URL's scheme, host and port.
	HTTP *http.Client
	// Timeout bounds each request, body included; 0 means 60 seconds.
	Timeout time.Duration
	// Retries is how often a request is retried after a 5xx answer or a
	// broken connection; 0 means 3, negative means none.
	Retries int
}

// FetchError is a download that failed its proof or never completed.
// Nothing was written.
type FetchError struct {
	URL    string
	Reason string // one line: what went wrong
	Detail string // a short explanation for the user, may be empty
}

// Error gives the URL and the reason, then the explanation when there is
// one.
func (e *FetchError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%s: %s", e.URL, e.Reason)
	}
	return fmt.Sprintf("%s: %s\n\n%s", e.URL, e.Reason, e.Detail)
}

const tamperDetail = `The document does not match the digest that index.json publishes for it.
It may have been altered or corrupted on the way, or the server holds a
different file than it indexes. Nothing was written. Do not use this
document; report the mismatch to the publisher.`

// CheckBaseURL checks that an archive's base URL is https, or http on a
// loopback address.
func CheckBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL: %v", err)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %s: want no user, query or fragment", u.Redacted())
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("base URL %s: want https:// (http:// only for loopback addresses)",
			raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Client) httpClient(base *url.URL) *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: t, CheckRedirect: sameOrigin(base)}
}

// sameOrigin allows a redirect only to the base URL's origin, its scheme,
// host and port, at most five times: another port of the same host is
// another server.
func sameOrigin(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if origin(req.URL) != origin(base) {
			return fmt.Errorf("redirect to %s refused: only %s is followed",
				req.URL.Redacted(), origin(base))
		}
		return nil
	}
}

// origin returns scheme://host:port of u, lowercase, with the scheme's
// default port when u names none.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 60 * time.Second
}

func (c *Client) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return 3
	}
	return c.Retries
}

// Index downloads and parses BASE/index.json.
func (c *Client) Index(ctx context.Context, baseURL string) (*Index, error) {
	base, err := CheckBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	u := base.JoinPath(indexJSON).String()
	data, err := c.get(ctx, base, u, MaxIndexSize, false)
	if err != nil {
		return nil, err
	}
	return ParseIndex(u, data)
}

// TODO(#4): sign index.json (one Ed25519 key, with expires and version) so
// that Download can prove who published a document, not only that it
// matches the index served beside it.

// Download fetches a document that the index at baseURL lists and returns
// its bytes once their size and SHA-256 match the index entry. The body
// is never read past the indexed size, and an entry larger than
// MaxDocumentSize is refused before any request.
func (c *Client) Download(ctx context.Context, baseURL string, d Document) ([]byte, error) {
	base, err := CheckBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	u := base.JoinPath(strings.Split(d.Path, "/")...).String()
	if d.Size > MaxDocumentSize {
		return nil, &FetchError{
			URL: u,
			Reason: fmt.Sprintf("index.json gives a size of %d bytes, "+
				"more than the %d MiB an archive document can have; not downloading it",
				d.Size, MaxDocumentSize>>20),
		}
	}
	data, err := c.get(ctx, base, u, d.Size, true)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != d.Size {
		return nil, &FetchError{
			URL: u,
			Reason: fmt.Sprintf("size mismatch: got %d bytes, index.json says %d",
				len(data), d.Size),
			Detail: tamperDetail,
		}
	}
	if sum := digest(data); sum != d.SHA256 {
		return nil, &FetchError{
			URL: u,
			Reason: fmt.Sprintf("checksum mismatch:\n"+
				"\tdownloaded: sha256 %s\n"+
				"\tindex.json: sha256 %s", sum, d.SHA256),
			Detail: tamperDetail,
		}
	}
	return data, nil
}

// get reads url with retries. With exact, a body longer than limit is a
// tampering error; otherwise it is a size error.
func (c *Client) get(ctx context.Context, base *url.URL, u string, limit int64,
	exact bool) ([]byte, error) {
	hc := c.httpClient(base)
	var last error
	for attempt := 0; attempt <= c.retries(); attempt++ {
		if attempt > 0 {
			wait := time.Duration(1<<(attempt-1)) * 250 * time.Millisecond
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		}
		data, retry, err := c.once(ctx, hc, u, limit, exact)
		if err == nil {
			return data, nil
		}
		last = err
		if !retry {
			break
		}
	}
	return nil, last
}

// once makes one request; retry says whether the failure may be transient.
func (c *Client) once(ctx context.Context, hc *http.Client, u string, limit int64,
	exact bool) (data []byte, retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transient(err), &FetchError{URL: u, Reason: describe(ctx, err, c.timeout())}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode >= 500, &FetchError{
			URL:    u,
			Reason: "server answered " + resp.Status,
		}
	}
	if exact && resp.ContentLength > limit {
		return nil, false, &FetchError{
			URL: u,
			Reason: fmt.Sprintf("size mismatch: server sends %d bytes, index.json says %d",
				resp.ContentLength, limit),
			Detail: tamperDetail,
		}
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, transient(err), &FetchError{
			URL:    u,
			Reason: "reading body: " + describe(ctx, err, c.timeout()),
		}
	}
	if int64(len(data)) > limit {
		if exact {
			return nil, false, &FetchError{
				URL: u,
				Reason: fmt.Sprintf(
					"size mismatch: body is longer than the %d bytes index.json says", limit),
				Detail: tamperDetail,
			}
		}
		return nil, false, &FetchError{
			URL:    u,
			Reason: fmt.Sprintf("larger than the %d MiB limit", limit>>20),
		}
	}
	return data, false, nil
}

// transient reports whether err is worth retrying: a reset or a body cut
// short. Timeouts are not retried: the timeout bounds the whole wait.
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

func describe(ctx context.Context, err error, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no complete answer within %s", timeout)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "the connection closed before the whole body arrived (truncated)"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// Pick returns the document of the index for product, release ("latest"
// for the newest) and kind name: "cyclonedx" or "spdx" (JSON preferred),
// or an exact kind such as "cyclonedx-xml" or "spdx-tag-value".
func Pick(ix *Index, product, release, kind string) (Release, Document, error) {
	p, ok := ix.Find(product)
	if !ok {
		return Release{}, Document{}, fmt.Errorf("product %q is not in the index", product)
	}
	var r Release
	if release == "latest" {
		if r, ok = p.Latest(); !ok {
			return Release{}, Document{}, fmt.Errorf("product %q has no releases", product)
		}
	} else {
		found := false
		for _, x := range p.Releases {
			if x.Release == release {
				r, found = x, true
				break
			}
		}
		if !found {
			return Release{}, Document{}, fmt.Errorf("%s has no release %q", product, release)
		}
	}
	var want []Kind
	switch kind {
	case "cyclonedx":
		want = []Kind{CycloneDXJSON, CycloneDXXML}
	case "spdx":
		want = []Kind{SPDXJSON, SPDXTagValue}
	default:
		for k := CycloneDXJSON; k.valid(); k++ {
			if k.String() == kind {
				want = []Kind{k}
			}
		}
		if want == nil {
			return Release{}, Document{}, fmt.Errorf("format %q: want cyclonedx, spdx, "+
				"cyclonedx-json, cyclonedx-xml, spdx-json or spdx-tag-value", kind)
		}
	}
	for _, k := range want {
		for _, d := range r.Documents {
			if d.Kind() == k {
				return r, d, nil
			}
		}
	}
	return Release{}, Document{}, fmt.Errorf("%s %s has no %s document", product, r.Release, kind)
}

// CanWriteFile reports whether WriteFile can write path as it is now: a
// regular file, a character device or a named pipe, or nothing yet.
func CanWriteFile(path string) bool {
	fi, err := os.Lstat(path)
	return err != nil || fi.Mode().IsRegular() || writesInPlace(fi.Mode())
}

// writesInPlace reports whether WriteFile writes a file of mode m in place.
func writesInPlace(m os.FileMode) bool {
	return m&(os.ModeCharDevice|os.ModeNamedPipe) != 0
}

// WriteFile writes data to path atomically: a temporary file in the same
// folder, fsync, rename, and fsync of the folder. On any error the
// temporary file is removed and path is untouched.
//
// A path that names a character device or a named pipe (fetch -o
// /dev/null) is written to in place: a rename would put a regular file
// where the device was. Any other file that is not a regular file (a
// directory, a symbolic link, a socket) is an error, and is left as it is.
func WriteFile(path string, data []byte) (err error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		if !writesInPlace(fi.Mode()) {
			return fmt.Errorf("writing %s: it exists and is not a regular file", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("writing %s: %v", path, err)
		}
		_, werr := f.Write(data)
		if err := errors.Join(werr, f.Close()); err != nil {
			return fmt.Errorf("writing %s: %v", path, err)
		}
		return nil
	}
	dir := filepath.Dir(path)
	f, err := newfile.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err := newfile.KeepMode(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return newfile.SyncDir(dir)
}
