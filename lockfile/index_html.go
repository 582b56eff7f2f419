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
// changes what relative links resolve against, as in pip. page is where
// the page was read from, given the URL it was asked for (see fileURL).
func parseSimpleHTML(body []byte, page, given *url.URL) ([]IndexFile, error) {
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
					base = u
				}
			case "a":
				f, ok := linkFile(base, given, *href, attrs["data-yanked"] != nil)
				if ok {
					files = append(files, f)
				}
			}
		}
	}
}

var sha256Fragment = regexp.MustCompile(`(?:^|&)sha256=([0-9A-Fa-f]{64})(?:&|$)`)

func linkFile(base, given *url.URL, href string, yanked bool) (IndexFile, bool) {
	u, err := fileURL(base, given, strings.TrimSpace(href))
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
