package pyindex

import (
	"encoding/json"
	"fmt"
	"html"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The media types of the simple repository API (PEP 691).
const (
	typeJSON   = "application/vnd.pypi.simple.v1+json"
	typeHTMLv1 = "application/vnd.pypi.simple.v1+html"
	typeHTML   = "text/html"
)

// ServeHTTP serves /simple/, /simple/<project>/ and /files/<filename>.
func (x *Index) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.user != "" {
		user, pass, ok := r.BasicAuth()
		if !ok || user != x.user || pass != x.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="pyindex"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
	}

	path := r.URL.Path
	switch {
	case path == "/simple" || path == "/simple/":
		x.serveRoot(w, r)
	case strings.HasPrefix(path, "/simple/"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/simple/"), "/")
		if strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		// PEP 503: a name that is not normalised redirects to the one that is.
		if canon := Canonical(name); canon != name || !strings.HasSuffix(path, "/") {
			http.Redirect(w, r, "/simple/"+canon+"/", http.StatusMovedPermanently)
			return
		}
		x.serveProject(w, r, name)
	case strings.HasPrefix(path, "/files/"):
		x.serveFile(w, r, strings.TrimPrefix(path, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

func (x *Index) serveRoot(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(x.projects))
	for name := range x.projects {
		names = append(names, name)
	}
	sort.Strings(names)

	switch x.negotiate(w, r) {
	case typeJSON:
		type project struct {
			Name string `json:"name"`
		}
		doc := struct {
			Meta     map[string]string `json:"meta"`
			Projects []project         `json:"projects"`
		}{Meta: map[string]string{"api-version": "1.1"}, Projects: []project{}}
		for _, n := range names {
			doc.Projects = append(doc.Projects, project{Name: x.projects[n][0].Project})
		}
		writeJSON(w, doc)
	case "":
		return
	default:
		var b strings.Builder
		b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n" +
			"<meta name=\"pypi:repository-version\" content=\"1.1\">\n" +
			"<title>Simple index</title>\n</head>\n<body>\n")
		for _, n := range names {
			fmt.Fprintf(&b, "<a href=\"%s/\">%s</a><br>\n",
				n, html.EscapeString(x.projects[n][0].Project))
		}
		b.WriteString("</body>\n</html>\n")
		_, _ = w.Write([]byte(b.String()))
	}
}

func (x *Index) serveProject(w http.ResponseWriter, r *http.Request, name string) {
	files, ok := x.projects[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	files = append([]*File(nil), files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Filename < files[j].Filename })

	switch x.negotiate(w, r) {
	case typeJSON:
		writeJSON(w, x.projectJSON(files))
	case "":
		return
	default:
		_, _ = w.Write([]byte(x.projectHTML(files)))
	}
}

// projectJSON is the PEP 691 project detail, api-version 1.1 (PEP 700).
func (x *Index) projectJSON(files []*File) any {
	type file struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython string            `json:"requires-python,omitempty"`
		Yanked         any               `json:"yanked"`
		Size           int               `json:"size"`
	}
	doc := struct {
		Meta     map[string]string `json:"meta"`
		Name     string            `json:"name"`
		Versions []string          `json:"versions"`
		Files    []file            `json:"files"`
	}{Meta: map[string]string{"api-version": "1.1"}, Name: Canonical(files[0].Project)}

	seen := map[string]bool{}
	for _, f := range files {
		if !seen[f.Version] {
			seen[f.Version] = true
			doc.Versions = append(doc.Versions, f.Version)
		}
		jf := file{
			Filename:       f.Filename,
			URL:            "../../files/" + f.Filename,
			Hashes:         map[string]string{},
			RequiresPython: f.RequiresPython,
			Yanked:         false,
			Size:           len(x.served(f)),
		}
		if !x.omitHashes {
			jf.Hashes["sha256"] = f.SHA256
		}
		if reason, ok := x.yanked[f.Filename]; ok {
			jf.Yanked = true
			if reason != "" {
				jf.Yanked = reason
			}
		}
		doc.Files = append(doc.Files, jf)
	}
	sort.Strings(doc.Versions)
	return doc
}

// projectHTML is the PEP 503 project page.
func (x *Index) projectHTML(files []*File) string {
	name := Canonical(files[0].Project)
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n<head>\n"+
		"<meta name=\"pypi:repository-version\" content=\"1.1\">\n"+
		"<title>Links for %s</title>\n</head>\n<body>\n<h1>Links for %s</h1>\n", name, name)
	for _, f := range files {
		href := "../../files/" + f.Filename
		if !x.omitHashes {
			href += "#sha256=" + f.SHA256
		}
		fmt.Fprintf(&b, "<a href=\"%s\"", html.EscapeString(href))
		if f.RequiresPython != "" {
			fmt.Fprintf(&b, " data-requires-python=\"%s\"", html.EscapeString(f.RequiresPython))
		}
		if reason, ok := x.yanked[f.Filename]; ok {
			fmt.Fprintf(&b, " data-yanked=\"%s\"", html.EscapeString(reason))
		}
		fmt.Fprintf(&b, ">%s</a><br>\n", html.EscapeString(f.Filename))
	}
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

func (x *Index) serveFile(w http.ResponseWriter, r *http.Request, filename string) {
	f, ok := x.files[filename]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		x.downloads[filename]++
	}
	data := x.served(f)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

// served returns the bytes the index hands out for f.
func (x *Index) served(f *File) []byte {
	if bad, ok := x.tampered[f.Filename]; ok {
		return bad
	}
	return f.Data
}

// negotiate picks the response's media type from the Accept header, sets
// Content-Type and Vary, and returns it; it answers 406 and returns "" when
// the client accepts none of them.
func (x *Index) negotiate(w http.ResponseWriter, r *http.Request) string {
	w.Header().Set("Vary", "Accept")
	offered := []string{typeJSON, typeHTMLv1, typeHTML}
	if x.htmlOnly {
		offered = []string{typeHTMLv1, typeHTML}
	}
	chosen := pick(r.Header.Get("Accept"), offered)
	if x.htmlOnly && chosen == "" {
		chosen = typeHTML // an old index ignores Accept
	}
	if chosen == "" {
		http.Error(w, "no acceptable media type", http.StatusNotAcceptable)
		return ""
	}
	w.Header().Set("Content-Type", chosen)
	if chosen != typeJSON {
		w.Header().Set("Content-Type", chosen+"; charset=utf-8")
	}
	return chosen
}

// pick returns the offered media type with the highest quality in accept,
// earlier offers winning ties; an empty header accepts text/html. The
// "latest" aliases of PEP 691 stand for v1.
func pick(accept string, offered []string) string {
	if strings.TrimSpace(accept) == "" {
		accept = typeHTML
	}
	best, bestQ := "", 0.0
	for _, offer := range offered {
		for _, part := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			mt = strings.Replace(mt, ".latest+", ".v1+", 1)
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			if q > bestQ && matches(mt, offer) {
				best, bestQ = offer, q
			}
		}
	}
	return best
}

func matches(pattern, offer string) bool {
	if pattern == "*/*" || pattern == offer {
		return true
	}
	major, _, _ := strings.Cut(offer, "/")
	return pattern == major+"/*"
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(append(data, '\n'))
}
