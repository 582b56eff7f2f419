package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// parseSimpleHTML reads a PEP 503 project page (or a find-links page): every
// <a href> is a file, named by the last part of its URL path, with the hash
// of a #sha256= fragment and the data-yanked attribute. A <base href>
// changes what relative links resolve against, as in pip.
func parseSimpleHTML(body []byte, page *url.URL) ([]IndexFile, error) {
	base := page
	var files []IndexFile
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("reading HTML: %w", err)
			}
			return files, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attrs := map[string]*string{}
			for _, a := range tok.Attr {
				attrs[strings.ToLower(a.Key)] = &a.Val
			}
			href := attrs["href"]
			if href == nil {
				continue
			}
			switch tok.Data {
			case "base":
				if u, err := page.Parse(*href); err == nil {
					if u.User == nil {
						u.User = page.User
					}
					base = u
				}
			case "a":
				f, ok := linkFile(base, *href, attrs["data-yanked"] != nil)
				if ok {
					files = append(files, f)
				}
			}
		}
	}
}

var sha256Fragment = regexp.MustCompile(`(?:^|&)sha256=([0-9A-Fa-f]{64})(?:&|$)`)

func linkFile(base *url.URL, href string, yanked bool) (IndexFile, bool) {
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return IndexFile{}, false
	}
	name, err := url.PathUnescape(path.Base(u.Path))
	if err != nil || name == "" || name == "/" || name == "." {
		return IndexFile{}, false
	}
	f := IndexFile{Filename: name, URL: withoutFragment(u), Yanked: yanked}
	if m := sha256Fragment.FindStringSubmatch(u.Fragment); m != nil {
		f.SHA256 = strings.ToLower(m[1])
	}
	return f, true
}
