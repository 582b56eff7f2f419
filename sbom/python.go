package sbom

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/package-url/packageurl-go"

	"github.com/sentrikat/sbompipe/internal/textsafe"
	"github.com/sentrikat/sbompipe/lockfile"
)

// defaultIndex is pip's index when a file names none.
const defaultIndex = "https://pypi.org/simple"

// python adds every installed entry of a requirements file (and of the
// files it includes with -r; constraint files only constrain) and the
// edges pip-compile's and uv's "# via" annotations give. A file without
// annotations hangs every entry off the subject and says the graph is
// incomplete.
func (b *builder) python(path string) error {
	f, err := lockfile.Parse(path, lockfile.ParseOptions{})
	if err != nil {
		return err
	}
	// A file that cannot be read, or a line pip refuses that yields no
	// entry, would leave the inventory short of what the file says: an
	// input error. What pip only drops or ignores, or refuses on a line
	// whose entry is still known, is a warning.
	read := entryLines(f)
	var refused []error
	for _, p := range f.Problems {
		lost := p.PipRefuses && !read[fileLine{p.File, p.Line}]
		if lost || p.Unread || p.Rule == lockfile.RuleIncludeMissing {
			refused = append(refused, p)
			continue
		}
		b.warnf("%s", p.Error())
	}
	refused = append(refused, unrecordable(f)...)
	if len(refused) > 0 {
		return fmt.Errorf("%s cannot be inventoried as pip would install it:\n%w",
			path, errors.Join(refused...))
	}
	for _, u := range f.Unsafe {
		b.warnf("%s:%d: %s is commented out as unsafe: not pinned, not inventoried",
			u.File, u.Line, u.Name)
	}
	comps, warnings := pythonComponents(f, filepath.Dir(path))

	byName := make(map[string][]*Component, len(f.Requirements))
	entries := make([]*Component, 0, len(f.Requirements))
	annotated := false
	for i, r := range f.Requirements {
		if r.Name == "" {
			b.warnf("%s:%d: %s has no project name: not inventoried",
				r.File, r.Line, printable(r.URL, r.WrittenURL))
			entries = append(entries, nil)
			continue
		}
		b.bom.Warnings = append(b.bom.Warnings, warnings[i]...)
		c := b.add(comps[i])
		byName[r.Canonical] = append(byName[r.Canonical], c)
		entries = append(entries, c)
		annotated = annotated || len(r.Via) > 0
	}

	// pip installs one version of a project: a file that pins two under
	// the same marker is one it refuses, and the documents list both.
	type pinKey struct{ name, marker string }
	first := map[pinKey]*lockfile.Requirement{}
	for i, r := range f.Requirements {
		if entries[i] == nil {
			continue
		}
		k := pinKey{r.Canonical, strings.Join(strings.Fields(r.Marker), " ")}
		prev, ok := first[k]
		if !ok {
			first[k] = r
			continue
		}
		if prev.Version != r.Version {
			b.warnf("%s:%d: %s==%s, and ==%s at %s:%d: pip installs one version and "+
				"refuses this file; the documents list both", r.File, r.Line, r.Name,
				r.Version, prev.Version, prev.File, prev.Line)
		}
	}

	var unrooted []string
	for i, r := range f.Requirements {
		c := entries[i]
		if c == nil {
			continue
		}
		if !annotated {
			b.edge(b.bom.Subject.Key, c.Key)
			unrooted = append(unrooted, c.Key)
			continue
		}
		parents := 0
		for _, via := range r.Via {
			switch {
			case strings.HasPrefix(via, "-c "), strings.HasPrefix(via, "--override "):
				// A constraint or override file does not pull anything in.
			case strings.HasPrefix(via, "-r "), strings.HasSuffix(via, ")"):
				// An input file: "-r requirements.in", "proj (pyproject.toml)".
				b.edge(b.bom.Subject.Key, c.Key)
				parents++
			default:
				for _, p := range byName[lockfile.Canonical(stripExtras(via))] {
					b.edge(p.Key, c.Key)
					parents++
				}
			}
		}
		if parents == 0 {
			b.edge(b.bom.Subject.Key, c.Key)
		}
	}
	if len(unrooted) > 0 {
		b.bom.Incomplete = append(b.bom.Incomplete, Incomplete{
			Refs: unrooted,
			Reason: f.Path + " has no \"# via\" annotations: " +
				"the requirements between its entries are not known",
		})
	}
	return nil
}

// unrecordable returns what of f the documents cannot carry as it is,
// each naming its line, whatever pip makes of it: a control character in
// an entry's name, version (=== takes anything), marker, URL or extras,
// or in an option (it would reach every reader raw; a tab in a marker is
// only white space), and a URL that does not parse.
func unrecordable(f *lockfile.File) []error {
	var errs []error
	for _, r := range f.Requirements {
		bad, ok := firstControl(r.Name, r.Version, strings.ReplaceAll(r.Marker, "\t", " "),
			r.WrittenURL)
		if !ok {
			bad, ok = firstControl(r.Extras...)
		}
		if ok {
			errs = append(errs, fmt.Errorf("%s:%d: %q holds a control character",
				textsafe.Control(r.File), r.Line, bad))
			continue
		}
		u := withoutUserinfo(r.WrittenURL)
		if err := checkURL(u); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", textsafe.Control(r.File), r.Line, u, err))
		}
	}
	for _, o := range f.Options {
		if textsafe.HasControl(o.Written) {
			errs = append(errs, fmt.Errorf("%s:%d: --%s %q holds a control character",
				textsafe.Control(o.File), o.Line, o.Name, o.Written))
			continue
		}
		switch o.Name {
		case "index-url", "extra-index-url", "find-links":
			u := withoutUserinfo(o.Written)
			if err := checkURL(u); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: --%s %s: %w",
					textsafe.Control(o.File), o.Line, o.Name, u, err))
			}
		}
	}
	return errs
}

// firstControl returns the first of values that holds a control
// character.
func firstControl(values ...string) (string, bool) {
	for _, v := range values {
		if textsafe.HasControl(v) {
			return v, true
		}
	}
	return "", false
}

// checkURL reports why a URL the documents would record as a reference
// (as written, ${VAR}s not expanded, credentials removed) is not one: an
// escape that is not hex, an unclosed IPv6 host. "" and a local path are
// not checked.
func checkURL(u string) error {
	if !strings.Contains(u, "://") {
		return nil
	}
	if _, err := url.Parse(u); err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("not a URL (%v)", err)
	}
	return nil
}

// withoutUserinfo returns a URL as written without its user information:
// everything up to the last "@" before the query or fragment, which
// ${TOKEN}@ or a password holding a "/" would otherwise make unparsable,
// and which must not be quoted.
func withoutUserinfo(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	end := len(rest)
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		end = i
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}

// fileLine is a line of a file.
type fileLine struct {
	file string
	line int
}

// entryLines returns the lines of f's entries, requirements and
// constraints, if a problem of f is one pip refuses the file for: only
// then does python look them up.
func entryLines(f *lockfile.File) map[fileLine]bool {
	if !slices.ContainsFunc(f.Problems, func(p *lockfile.Problem) bool { return p.PipRefuses }) {
		return nil
	}
	read := map[fileLine]bool{}
	for _, r := range append(f.Requirements, f.Constraints...) {
		for l := r.Line; l <= max(r.Line, r.EndLine); l++ {
			read[fileLine{r.File, l}] = true
		}
	}
	return read
}

// pythonPart is the fewest entries pythonComponents gives a core of its
// own.
const pythonPart = 1000

// pythonComponents returns the component of each requirement entry of f
// that has a name (nil for the others), with what it warns about, in the
// order of f.Requirements; top is the folder of the requirements file
// given. The entries are shared out between the cores.
func pythonComponents(f *lockfile.File, top string) ([]*Component, [][]string) {
	sources := pythonSources(f.Options)
	// Source lines name their file relative to top; a few files hold
	// every entry.
	rel := make(map[string]string, len(f.Files))
	for _, name := range f.Files {
		rel[name] = relativeTo(top, name)
	}

	reqs := f.Requirements
	comps := make([]*Component, len(reqs))
	warnings := make([][]string, len(reqs))
	parts := min(runtime.GOMAXPROCS(0), 1+len(reqs)/pythonPart)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for i := p * len(reqs) / parts; i < (p+1)*len(reqs)/parts; i++ {
				r := reqs[i]
				if r.Name == "" {
					continue
				}
				file, ok := rel[r.File]
				if !ok {
					file = relativeTo(top, r.File)
				}
				comps[i], warnings[i] = pythonComponent(r, sources, file)
			}
		})
	}
	wg.Wait()
	return comps, warnings
}

// pythonComponent returns the component of one requirement entry, and
// what it warns about; file is the entry's file relative to the folder of
// the requirements file given, as its source line names it.
func pythonComponent(r *lockfile.Requirement, sources []pythonSource,
	file string) (*Component, []string) {
	var warnings []string
	url := printable(r.URL, r.WrittenURL)
	c := &Component{
		Key:       "python:" + r.Canonical + "@" + r.Version,
		Ecosystem: Python,
		Kind:      Library,
		Name:      r.Name,
		Version:   r.Version,
	}
	if r.Marker != "" {
		c.Key += ";" + r.Marker
		c.Properties = append(c.Properties, Property{"sbompipe:python:marker", r.Marker})
	}
	if url != "" {
		c.Key += "@" + url
	}
	if len(r.Extras) > 0 {
		c.Properties = append(c.Properties,
			Property{"sbompipe:python:extras", strings.Join(r.Extras, ",")})
	}
	if r.Version == "" && r.Specifier != "" {
		c.Properties = append(c.Properties, Property{"sbompipe:python:specifier", r.Specifier})
		c.Notes = append(c.Notes, "not pinned to one version ("+r.Specifier+")")
	}
	c.Properties = append(c.Properties,
		Property{"sbompipe:python:source", file + ":" + strconv.Itoa(r.Line)})

	hashes := r.Hashes
	if r.FragmentHash != nil {
		hashes = append(hashes, *r.FragmentHash)
	}
	var digests []Hash
	for _, h := range hashes {
		d, ok := pythonHash(h)
		if !ok {
			warnings = append(warnings, fmt.Sprintf(
				"%s:%d: %s: hash %s is not a digest sbompipe can record; left out",
				r.File, h.Line, r.Name, h.String()))
			continue
		}
		if digests == nil {
			digests = make([]Hash, 0, len(hashes))
		}
		digests = append(digests, d)
	}

	var qualifiers packageurl.Qualifiers
	switch r.Kind {
	case lockfile.Named:
		for _, src := range sources {
			d := Distribution{URL: src.url, Hashes: digests, Comment: src.comment}
			if src.index {
				d.URL = strings.TrimSuffix(src.url, "/") + "/" + r.Canonical + "/"
			}
			c.Distributions = append(c.Distributions, d)
		}
		if len(sources) == 0 && len(digests) > 0 {
			// No index and no find-links: where the files come from is not
			// known, but which files pip accepts is.
			c.Hashes = digests
			c.Notes = append(c.Notes, "the file comes from no index or find-links location the "+
				"requirements file names; the hashes are of the files pip accepts")
		}
	case lockfile.DirectURL, lockfile.LocalArchive:
		c.Distributions = []Distribution{{URL: url, Hashes: digests}}
		if r.Kind == lockfile.DirectURL {
			c.DownloadLocation = url
			qualifiers = packageurl.QualifiersFromMap(map[string]string{"download_url": url})
		}
	case lockfile.VCS:
		c.Distributions = []Distribution{{URL: url, VCS: true}}
		c.DownloadLocation = url
		qualifiers = packageurl.QualifiersFromMap(map[string]string{"vcs_url": url})
	case lockfile.LocalDir, lockfile.Editable:
		c.Properties = append(c.Properties, Property{"sbompipe:python:local-path", url})
		c.Notes = append(c.Notes,
			"a local directory ("+r.Kind.String()+"): no hash identifies its content")
	}
	c.PURL = packageurl.NewPackageURL(packageurl.TypePyPi, "", pypiName(r.Name), r.Version,
		qualifiers, "").ToString()
	return c, warnings
}

// pythonSource is a place a requirements file installs from: a package
// index (a project's files are at <index>/<name>/) or a find-links
// location (a folder or a page of links, as written).
type pythonSource struct {
	url     string
	index   bool
	comment string
}

// pythonSources returns the places a requirements file names, credentials
// removed: the last --index-url (pip's default when none; none with
// --no-index), every --extra-index-url, then every --find-links location.
func pythonSources(opts []*lockfile.Option) []pythonSource {
	index, noIndex := defaultIndex, false
	var extra, links []string
	for _, o := range opts {
		value := printable(o.Value, o.Written)
		switch o.Name {
		case "index-url":
			index = value
		case "extra-index-url":
			extra = append(extra, value)
		case "no-index":
			noIndex = true
		case "find-links":
			links = append(links, value)
		}
	}
	const onIndex = "the package's files on the index; " +
		"the hashes are of the files the requirement allows"
	const inLinks = "a find-links location; the hashes are of the files the requirement allows"
	var out []pythonSource
	if !noIndex {
		for _, u := range append([]string{index}, extra...) {
			out = append(out, pythonSource{url: u, index: true, comment: onIndex})
		}
	}
	for _, u := range links {
		out = append(out, pythonSource{url: u, comment: inLinks})
	}
	return out
}

// printable is a URL fit for a published document: what the file says
// when ${VAR} expansion changed it (an expanded value may be a secret, in
// any form), with credentials removed.
func printable(expanded, written string) string {
	if written != "" && written != expanded {
		return lockfile.Redact(written)
	}
	return lockfile.Redact(expanded)
}

// relativeTo returns file relative to dir, with forward slashes, so that
// documents name source lines the same on every checkout.
func relativeTo(dir, file string) string {
	if rel, err := filepath.Rel(dir, file); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(filepath.Clean(file))
}

// pythonAlgorithms maps pip's hash names to CycloneDX's, with the length of
// their hex digests.
var pythonAlgorithms = map[string]struct {
	name string
	hex  int
}{
	"sha256": {"SHA-256", 64},
	"sha384": {"SHA-384", 96},
	"sha512": {"SHA-512", 128},
	"sha1":   {"SHA-1", 40},
	"md5":    {"MD5", 32},
}

func pythonHash(h lockfile.Hash) (Hash, bool) {
	alg, ok := pythonAlgorithms[strings.ToLower(h.Algorithm)]
	if !ok || len(h.Digest) != alg.hex {
		return Hash{}, false
	}
	digest, ok := lowerCaseHex(h.Digest)
	if !ok {
		return Hash{}, false
	}
	return Hash{Algorithm: alg.name, Value: digest}, true
}

// hexDigits classifies each byte: 0 not a hexadecimal digit, 1 a digit or
// a lower-case letter, 2 an upper-case letter.
var hexDigits = func() (t [256]byte) {
	for _, c := range "0123456789abcdef" {
		t[c] = 1
	}
	for _, c := range "ABCDEF" {
		t[c] = 2
	}
	return t
}()

// lowerCaseHex returns s in lower case if it is made of hexadecimal digits
// only. (A table, not a regular expression or a switch: checking digests
// is a large part of reading a lockfile, and the branches of a switch
// mispredict on random digits.)
func lowerCaseHex(s string) (string, bool) {
	var class byte
	for i := 0; i < len(s); i++ {
		c := hexDigits[s[i]]
		if c == 0 {
			return "", false
		}
		class |= c
	}
	if class&2 != 0 {
		return strings.ToLower(s), true
	}
	return s, true
}

// pypiName is the purl spelling of a project name: lower case, "_" as "-"
// (the purl-spec PyPI rule; dots are kept).
func pypiName(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// stripExtras removes "[extra,…]" from a "# via" package name.
func stripExtras(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		return name[:i]
	}
	return name
}
