package pyindex

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPick(t *testing.T) {
	all := []string{typeJSON, typeHTMLv1, typeHTML}
	for _, tc := range []struct{ accept, want string }{
		{"", typeHTML},
		{"*/*", typeJSON},
		{"text/html", typeHTML},
		{"application/vnd.pypi.simple.v1+json, " +
			"application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", typeJSON},
		{"application/vnd.pypi.simple.latest+json", typeJSON},
		{"text/html, application/vnd.pypi.simple.v1+json; q=0.5", typeHTML},
		{"application/vnd.pypi.simple.v1+json; q=0", ""},
		{"image/png", ""},
		{"text/*", typeHTML},
	} {
		if got := pick(tc.accept, all); got != tc.want {
			t.Errorf("pick(%q) = %q, want %q", tc.accept, got, tc.want)
		}
	}
}

func get(t *testing.T, url, accept string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func newTestIndex(t *testing.T) (*Index, []*File) {
	x := New(t)
	files := x.Add(
		Release{Name: "Demo_Pkg", Version: "1.0", RequiresPython: ">=3.8", Sdist: true},
		Release{Name: "Demo_Pkg", Version: "1.1",
			Tags: []string{"py3-none-any", "cp312-abi3-win_amd64"}},
	)
	return x, files
}

func TestProjectHTML(t *testing.T) {
	x, files := newTestIndex(t)
	x.Yank(files[1].Filename, "")
	resp, body := get(t, x.URL()+"demo-pkg/", "text/html")
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	for _, want := range []string{
		`<a href="../../files/demo_pkg-1.0-py3-none-any.whl#sha256=` + files[0].SHA256 +
			`" data-requires-python="&gt;=3.8">demo_pkg-1.0-py3-none-any.whl</a>`,
		`<a href="../../files/demo_pkg-1.0.tar.gz#sha256=` + files[1].SHA256 +
			`" data-requires-python="&gt;=3.8" data-yanked="">demo_pkg-1.0.tar.gz</a>`,
		`demo_pkg-1.1-cp312-abi3-win_amd64.whl#sha256=` + files[3].SHA256,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("project page lacks %s\n%s", want, body)
		}
	}

	x.OmitHashes(true)
	_, body = get(t, x.URL()+"demo-pkg/", "")
	if strings.Contains(body, "#sha256=") {
		t.Errorf("OmitHashes: page still has hashes:\n%s", body)
	}
}

type jsonProject struct {
	Meta     map[string]string `json:"meta"`
	Name     string            `json:"name"`
	Versions []string          `json:"versions"`
	Files    []struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython string            `json:"requires-python"`
		Yanked         any               `json:"yanked"`
		Size           int               `json:"size"`
	} `json:"files"`
}

func TestProjectJSON(t *testing.T) {
	x, files := newTestIndex(t)
	x.Yank(files[2].Filename, "bad build")
	resp, body := get(t, x.URL()+"demo-pkg/", typeJSON)
	if ct := resp.Header.Get("Content-Type"); ct != typeJSON {
		t.Errorf("Content-Type = %q, want %q", ct, typeJSON)
	}
	var doc jsonProject
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if doc.Meta["api-version"] != "1.1" || doc.Name != "demo-pkg" {
		t.Errorf("meta %v, name %q", doc.Meta, doc.Name)
	}
	if diff := cmp.Diff([]string{"1.0", "1.1"}, doc.Versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, f := range doc.Files {
		got[f.Filename] = f.Hashes["sha256"]
		if f.Filename == files[2].Filename && f.Yanked != "bad build" {
			t.Errorf("%s yanked = %v, want the reason", f.Filename, f.Yanked)
		}
		if f.Filename == files[0].Filename && (f.Yanked != false || f.RequiresPython != ">=3.8") {
			t.Errorf("%s: yanked %v, requires-python %q", f.Filename, f.Yanked, f.RequiresPython)
		}
	}
	want := map[string]string{}
	for _, f := range files {
		want[f.Filename] = f.SHA256
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files and hashes (-want +got):\n%s", diff)
	}

	x.HTMLOnly(true)
	resp, _ = get(t, x.URL()+"demo-pkg/", typeJSON)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("HTMLOnly: Content-Type = %q, want text/html", ct)
	}
}

func TestRootAndErrors(t *testing.T) {
	x, files := newTestIndex(t)
	x.Add(Release{Name: "other", Version: "3"})

	_, body := get(t, x.URL(), typeJSON)
	if !strings.Contains(body, `"name": "Demo_Pkg"`) ||
		!strings.Contains(body, `"name": "other"`) {
		t.Errorf("root JSON lacks a project:\n%s", body)
	}
	_, body = get(t, x.URL(), "")
	if !strings.Contains(body, `<a href="demo-pkg/">Demo_Pkg</a>`) {
		t.Errorf("root HTML lacks demo-pkg:\n%s", body)
	}

	// A name that is not normalised redirects to the normalised page.
	resp, _ := get(t, x.URL()+"Demo.Pkg/", "")
	if resp.Request.URL.Path != "/simple/demo-pkg/" || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /simple/Demo.Pkg/ ended at %s with %d",
			resp.Request.URL.Path, resp.StatusCode)
	}
	for path, want := range map[string]int{
		"/simple/nothing/":    http.StatusNotFound,
		"/files/nothing.whl":  http.StatusNotFound,
		"/elsewhere":          http.StatusNotFound,
		"/simple/demo-pkg/x/": http.StatusNotFound,
	} {
		if resp, _ := get(t, "http://"+x.Host()+path, ""); resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	if resp, _ := get(t, x.URL(), "image/png"); resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("GET with Accept image/png = %d, want 406", resp.StatusCode)
	}

	// Tamper changes the bytes, not the listed hash.
	x.Tamper(files[0].Filename)
	_, body = get(t, "http://"+x.Host()+"/files/"+files[0].Filename, "")
	if body == string(files[0].Data) {
		t.Error("Tamper: the file is served unchanged")
	}
	if got := x.Downloads(files[0].Filename); got != 1 {
		t.Errorf("Downloads = %d, want 1", got)
	}
}

func TestRequireAuth(t *testing.T) {
	x, _ := newTestIndex(t)
	plain := x.URL()
	x.RequireAuth("user", "pw")
	if resp, _ := get(t, plain, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", resp.StatusCode)
	}
	if !strings.HasPrefix(x.URL(), "http://user:pw@127.0.0.1:") {
		t.Errorf("URL() = %q, want the credentials in it", x.URL())
	}
	if resp, _ := get(t, x.URL(), ""); resp.StatusCode != http.StatusOK {
		t.Errorf("with credentials: %d, want 200", resp.StatusCode)
	}
}
