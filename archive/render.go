package archive

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

//go:embed sbom.css
var styleSheet []byte

//go:embed favicon.svg
var favicon []byte

//go:embed page.html.tmpl
var pageSource string

// page is the template of index.html, parsed when first used: commands
// that render no index do not pay for it at start-up.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Funcs(template.FuncMap{
		"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"human":  func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
		"size":   humanSize,
		"label":  label,
		"base":   path.Base,
		"anchor": func(product string) string { return "product-" + product },
		"sums": func(product, release string) string {
			return releaseDir(product, release) + sumsName
		},
		"mailto": func(addr string) template.URL {
			// RFC 6068 spells a space %20; a "+" would stay a plus sign.
			subject := strings.ReplaceAll(url.QueryEscape("Request for an archived SBOM"), "+", "%20")
			return template.URL("mailto:" + addr + "?subject=" + subject)
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}).Parse(pageSource))
})

// renderHTML renders index.html: static, no script, no inline style, so
// that it works with JavaScript off under default-src 'none'.
func renderHTML(ix *Index, st *site) ([]byte, error) {
	var buf bytes.Buffer
	err := page().Execute(&buf, struct {
		Index   *Index
		Contact string
	}{ix, st.Contact})
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %v", indexHTML, err)
	}
	return buf.Bytes(), nil
}

func label(d Document) string {
	names := map[Kind]string{
		CycloneDXJSON: "CycloneDX %s JSON",
		CycloneDXXML:  "CycloneDX %s XML",
		SPDXJSON:      "SPDX %s JSON",
		SPDXTagValue:  "SPDX %s tag-value",
	}
	if f, ok := names[d.Kind()]; ok {
		return fmt.Sprintf(f, d.SpecVersion)
	}
	return d.Format + " " + d.SpecVersion
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}

// maxFeedEntries is how many of the most recent releases feed.xml lists.
const maxFeedEntries = 100

// The Atom elements feed.xml uses (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name  string `xml:"name"`
	Email string `xml:"email,omitempty"`
}

type atomLink struct {
	Rel    string `xml:"rel,attr"`
	Type   string `xml:"type,attr,omitempty"`
	Length int64  `xml:"length,attr,omitempty"`
	Href   string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Links     []atomLink `xml:"link"`
	Summary   string     `xml:"summary"`
}

// feedItem is a release in the feed, with the time it last changed.
type feedItem struct {
	product string
	r       Release
	updated time.Time
}

// feedItems returns the maxFeedEntries most recently changed releases,
// newest first.
func feedItems(ix *Index) []feedItem {
	var items []feedItem
	for _, p := range ix.Products {
		for _, r := range p.Releases {
			u := r.Published
			for _, rp := range r.Replaced {
				if rp.Time.After(u) {
					u = rp.Time
				}
			}
			items = append(items, feedItem{p.Name, r, u})
		}
	}
	sort.SliceStable(items, func(a, b int) bool {
		if !items[a].updated.Equal(items[b].updated) {
			return items[a].updated.After(items[b].updated)
		}
		if items[a].product != items[b].product {
			return items[a].product < items[b].product
		}
		return newer(items[a].r, items[b].r)
	})
	if len(items) > maxFeedEntries {
		items = items[:maxFeedEntries]
	}
	return items
}

// fallbackFeedID names the feed of a store that has no site.json.
var fallbackFeedID = uuid.NewSHA1(uuid.NameSpaceURL,
	[]byte("https://github.com/sentrikat/sbompipe#feed"))

// renderFeed renders feed.xml: the most recent releases of every product,
// newest first, each linking to its documents. Links are relative to the
// feed, as RFC 4287 allows; ids are UUIDs derived from the feed's id.
func renderFeed(ix *Index, st *site) ([]byte, error) {
	feedID, err := uuid.Parse(st.FeedID)
	if err != nil {
		feedID = fallbackFeedID
	}
	f := atomFeed{
		ID:        feedID.URN(),
		Title:     "Software bills of materials",
		Updated:   ix.Generated.UTC().Format(time.RFC3339),
		Author:    atomPerson{Name: "SBOM archive"},
		Generator: "sbompipe",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: feedXML},
			{Rel: "alternate", Type: "text/html", Href: "./"},
		},
	}
	if st.Contact != "" {
		f.Author = atomPerson{Name: st.Contact, Email: st.Contact}
	}
	items := feedItems(ix)
	for _, it := range items {
		e := atomEntry{
			ID:        uuid.NewSHA1(feedID, []byte(releaseDir(it.product, it.r.Release))).URN(),
			Title:     it.product + " " + it.r.Release,
			Published: it.r.Published.UTC().Format(time.RFC3339),
			Updated:   it.updated.UTC().Format(time.RFC3339),
			Links: []atomLink{{
				Rel:  "alternate",
				Type: "text/html",
				Href: "./#product-" + it.product + "-" + it.r.Release,
			}},
		}
		var summary bytes.Buffer
		fmt.Fprintf(&summary, "SBOMs of %s %s:", it.product, it.r.Release)
		for i, d := range it.r.Documents {
			e.Links = append(e.Links, atomLink{
				Rel:    "enclosure",
				Type:   d.MediaType,
				Length: d.Size,
				Href:   d.Path,
			})
			sep := ","
			if i == len(it.r.Documents)-1 {
				sep = "."
			}
			fmt.Fprintf(&summary, " %s (%d components, sha256 %s)%s",
				label(d), d.Components, d.SHA256, sep)
		}
		if len(it.r.Replaced) > 0 {
			fmt.Fprintf(&summary, " Changed after publication %d times; see the page.",
				len(it.r.Replaced))
		}
		e.Summary = summary.String()
		f.Entries = append(f.Entries, e)
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %v", feedXML, err)
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}
