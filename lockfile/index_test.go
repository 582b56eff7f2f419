package lockfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"
	"time"
)

// wheelBytes stand for the one file the hand-made indexes below serve.
var wheelBytes = []byte("not really a wheel")

const goodWheel = "good-1.0-py3-none-any.whl"

// authLog serves HTTP on 127.0.0.1 and records the Authorization header of
// every request it gets.
type authLog struct {
	mu   sync.Mutex
	seen []string // "path auth"
	srv  *httptest.Server
}

func newAuthLog(t *testing.T, h http.HandlerFunc) *authLog {
	t.Helper()
	l := &authLog{}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		l.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(l.srv.Close)
	return l
}

// authorized returns the requests that carried credentials.
func (l *authLog) authorized() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.seen {
		if !strings.HasSuffix(s, " ") {
			out = append(out, s)
		}
	}
	return out
}

func (l *authLog) host() string { return l.srv.Listener.Addr().String() }

// servePage answers a project page: HTML with one link to href and no
// hash, or PEP 691 JSON when asJSON.
func servePage(w http.ResponseWriter, href string, asJSON bool) {
	if asJSON {
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		fmt.Fprintf(w, `{"meta":{"api-version":"1.1"},"name":"good","files":[`+
			`{"filename":%q,"url":%q,"hashes":{}}]}`, path.Base(href), href)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, "<html><body><a href=\"%s\">%s</a></body></html>\n", href, path.Base(href))
}

// requireAuth answers 401 unless the request carries user:S3CRET.
func requireAuth(w http.ResponseWriter, r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "S3CRET" {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return false
	}
	return true
}

func wheelSum() string {
	sum := sha256.Sum256(wheelBytes)
	return hex.EncodeToString(sum[:])
}

// TestIndexCredentialsStayOnTheirOrigin: the credentials of an index URL
// go to that scheme, host and port only: not to the server an index
// redirects to, not to files its pages link to on another server; but to
// every URL of its own origin, after a redirect on it too.
func TestIndexCredentialsStayOnTheirOrigin(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%t", asJSON), func(t *testing.T) {
			// other is another origin (127.0.0.1, another port): a page
			// with a relative link, and the file.
			other := newAuthLog(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/simple/good/":
					servePage(w, "../../files/"+goodWheel, asJSON)
				case "/files/" + goodWheel, "/files/linked-1.0-py3-none-any.whl",
					"/files/based-1.0-py3-none-any.whl":
					w.Write(wheelBytes)
				default:
					http.NotFound(w, r)
				}
			})
			// index redirects one project to other, links two others to
			// files on other (directly, and through a <base href>), and
			// serves a last one itself after a redirect on its own
			// origin; it wants credentials for everything.
			index := newAuthLog(t, func(w http.ResponseWriter, r *http.Request) {
				if !requireAuth(w, r) {
					return
				}
				switch r.URL.Path {
				case "/simple/good/":
					http.Redirect(w, r, "http://"+other.host()+"/simple/good/", http.StatusFound)
				case "/simple/linked/":
					servePage(w, "http://"+other.host()+"/files/linked-1.0-py3-none-any.whl",
						asJSON)
				case "/simple/based/": // a <base href> on another origin
					if asJSON {
						servePage(w,
							"http://"+other.host()+"/files/based-1.0-py3-none-any.whl", true)
						return
					}
					fmt.Fprintf(w, "<html><head><base href=\"http://%s/files/\"></head><body>"+
						"<a href=\"based-1.0-py3-none-any.whl\">x</a></body></html>", other.host())
				case "/simple/own/":
					http.Redirect(w, r, "/mirror/own/", http.StatusFound)
				case "/mirror/own/":
					servePage(w, "/files/own-1.0-py3-none-any.whl", asJSON)
				case "/files/own-1.0-py3-none-any.whl":
					w.Write(wheelBytes)
				default:
					http.NotFound(w, r)
				}
			})

			s := &Sources{IndexURLs: []string{"http://user:S3CRET@" + index.host() + "/simple"}}
			releases := []Release{
				{"good", "1.0"}, {"linked", "1.0"}, {"based", "1.0"}, {"own", "1.0"},
			}
			got, err := s.Files(context.Background(), releases)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range releases {
				if len(got[r]) != 1 || got[r][0].SHA256 != wheelSum() {
					t.Errorf("Files(%s) = %+v, want the one wheel, hashed", r.Name, got[r])
				}
			}
			if leaked := other.authorized(); len(leaked) > 0 {
				t.Errorf("credentials sent to another origin: %q", leaked)
			}
		})
	}
}

// TestIndexHostileAnswers: an index cannot make verify or lock read local
// files, and a page or a file must come whole within Sources.Timeout and,
// for a file, within Sources.MaxFileSize.
func TestIndexHostileAnswers(t *testing.T) {
	const trickled = "trickle-1.0-py3-none-any.whl"
	index := newAuthLog(t, func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; p {
		case "/simple/zero/":
			servePage(w, "file:///dev/zero#/zero-1.0-py3-none-any.whl", true)
		case "/simple/hostname/":
			w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
			fmt.Fprint(w,
				`{"files":[{"filename":"hostname-1.0.tar.gz","url":"file:///etc/hostname"}]}`)
		case "/simple/probe/":
			fmt.Fprint(w, `<base href="file:///etc/"><a href="probe-1.0.tar.gz">x</a>`)
		case "/simple/trickle/":
			servePage(w, "/files/"+trickled, false)
		case "/simple/slowpage/":
			w.Header().Set("Content-Type", "text/html")
			trickle(w, r)
		case "/simple/huge/":
			servePage(w, "/files/huge-1.0.tar.gz", false)
		case "/files/" + trickled:
			trickle(w, r)
		case "/files/huge-1.0.tar.gz":
			w.Write(make([]byte, 5000))
		default:
			http.NotFound(w, r)
		}
	})
	s := &Sources{IndexURLs: []string{"http://" + index.host() + "/simple/"},
		Timeout: 300 * time.Millisecond, MaxFileSize: 1000}
	tests := []struct {
		project, want string
	}{
		{"zero", "zero-1.0-py3-none-any.whl is at file:///dev/zero: " +
			"an index's files must be http or https URLs"},
		{"hostname", "hostname-1.0.tar.gz is at file:///etc/hostname: " +
			"an index's files must be http or https URLs"},
		{"probe", "probe-1.0.tar.gz is at file:///etc/probe-1.0.tar.gz: " +
			"an index's files must be http or https URLs"},
		{"trickle", "downloading: no complete answer within 300ms"},
		{"slowpage", "no complete answer within 300ms"},
		{"huge", "downloading: larger than 1000 bytes: not hashed"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := s.Files(ctx, []Release{{tt.project, "1.0"}})
		cancel()
		var ie *IndexError
		if !errors.As(err, &ie) || !strings.HasSuffix(err.Error(), ": "+tt.want) {
			t.Errorf("Files(%s) error = %v, want an IndexError ending %q",
				tt.project, err, tt.want)
		}
	}
}

// trickle writes one byte every 50ms until the client goes away.
func trickle(w http.ResponseWriter, r *http.Request) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			w.Write([]byte("<"))
			w.(http.Flusher).Flush()
		}
	}
}

// TestIndexRefusedIsNotATimeout: an error before the deadline keeps its
// own cause.
func TestIndexRefusedIsNotATimeout(t *testing.T) {
	s := &Sources{IndexURLs: []string{"http://127.0.0.1:1/simple/"}}
	_, err := s.Files(context.Background(), []Release{{"good", "1.0"}})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Files error = %v, want connection refused", err)
	}
}

// TestIndexErrorsHideSecrets: a password no URL pattern can find (a "/"
// in it makes the URL invalid) is not in the error, nor any piece of it.
func TestIndexErrorsHideSecrets(t *testing.T) {
	// Only URLs that do not parse: "http://to/ken@…" would ask host "to".
	for _, u := range []string{
		"http://user:s3cr/et@127.0.0.1:1/simple/", "http://u:s3cr?et@127.0.0.1:1/simple/",
	} {
		s := &Sources{IndexURLs: []string{u}}
		_, err := s.Files(context.Background(), []Release{{"good", "1.0"}})
		if err == nil {
			t.Fatalf("Files(%s) succeeded", u)
		}
		for _, part := range []string{"s3cr", "et@", ":s3"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("error shows %q: %v", part, err)
			}
		}
	}
}
