package lockfile

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// This file reads the requirement part of a line the way pip's
// req/constructors.py does (rule C13 of the reference): markers, URLs and
// paths, wheel file names and #egg= fragments, and PEP 508 requirements.

// Canonical returns the PEP 503 normalised form of a project name: lower
// case, with every run of "-", "_" and "." replaced by one "-".
func Canonical(name string) string {
	if isCanonical(name) {
		return name // as pip-compile writes names, and "# via" lines
	}
	b := make([]byte, 0, len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep {
			b = append(b, '-')
			sep = false
		}
		b = append(b, c)
	}
	if sep {
		b = append(b, '-')
	}
	for _, c := range b {
		if c >= 0x80 {
			return strings.ToLower(string(b)) // non-ASCII letters, as Python's lower()
		}
	}
	return string(b)
}

// isCanonical reports whether Canonical(name) is name: ASCII, no
// upper-case letter, "_" or ".", and no "-" after a "-".
func isCanonical(name string) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 0x80, 'A' <= c && c <= 'Z', c == '_', c == '.':
			return false
		case c == '-' && i > 0 && name[i-1] == '-':
			return false
		}
	}
	return true
}

// validName reports whether name is a valid project name (PEP 508):
// ASCII letters and digits, with ".", "_" and "-" inside.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := isAlnum(c)
		if !alnum && ((c != '.' && c != '_' && c != '-') || i == 0 || i == len(name)-1) {
			return false
		}
	}
	return true
}

// vcsSchemes are the URL schemes of pip's VCS backends.
var vcsSchemes = map[string]bool{
	"git": true, "git+http": true, "git+https": true, "git+ssh": true, "git+git": true,
	"git+file": true,
	"hg+file":  true, "hg+http": true, "hg+https": true, "hg+ssh": true, "hg+static-http": true,
	"svn": true, "svn+ssh": true, "svn+http": true, "svn+https": true, "svn+svn": true,
	"svn+file": true,
	"bzr+http": true, "bzr+https": true, "bzr+ssh": true, "bzr+sftp": true, "bzr+ftp": true,
	"bzr+lp": true, "bzr+file": true,
}

// scheme returns the lower-cased text before the first ":" of s.
func scheme(s string) string {
	sch, _, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	return strings.ToLower(sch)
}

// isURL reports whether pip takes s for a URL (pip's vcs.is_url).
func isURL(s string) bool {
	switch sch := scheme(s); sch {
	case "http", "https", "file", "ftp":
		return true
	default:
		return vcsSchemes[sch]
	}
}

// archiveExts are the file name endings pip treats as archives.
var archiveExts = []string{
	".zip", ".whl", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz",
	".tar.lzma", ".tar.gz", ".tgz", ".tar",
}

func isArchive(name string) bool {
	name = strings.ToLower(name)
	for _, ext := range archiveExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// looksLikePath is pip's _looks_like_path: a path separator or a leading dot.
func looksLikePath(s string) bool {
	return strings.Contains(s, "/") || strings.Contains(s, `\`) || strings.HasPrefix(s, ".")
}

// urlKind classifies a URL or local path that a requirement points at.
func urlKind(u string) Kind {
	sch := scheme(u)
	switch {
	case vcsSchemes[sch]:
		return VCS
	case sch == "file", !isURL(u):
		p := u
		if sch == "file" {
			if parsed, err := url.Parse(u); err == nil {
				p = parsed.Path
			}
		}
		if isArchive(stripFragment(p)) {
			return LocalArchive
		}
		return LocalDir
	}
	return DirectURL
}

func stripFragment(u string) string {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	return u
}

// fragmentHashRE is pip's Link hash pattern: any of these algorithms, for
// legacy reasons.
var fragmentHashRE = regexp.MustCompile(`[#&](sha512|sha384|sha256|sha224|sha1|md5)=([^&]*)`)

// fragmentHash returns the hash in a URL fragment, if any.
func fragmentHash(u string) *Hash {
	_, frag, ok := strings.Cut(u, "#")
	if !ok {
		return nil
	}
	m := fragmentHashRE.FindStringSubmatch("#" + frag)
	if m == nil {
		return nil
	}
	return &Hash{Algorithm: m[1], Digest: m[2]}
}

var eggRE = regexp.MustCompile(`[#&]egg=([^&]*)`)

// eggFragment returns the #egg= value of a URL, or "".
func eggFragment(u string) string {
	_, frag, ok := strings.Cut(u, "#")
	if !ok {
		return ""
	}
	if m := eggRE.FindStringSubmatch("#" + frag); m != nil {
		return m[1]
	}
	return ""
}

// wheelName returns the project name and version of a wheel file name
// (name-version(-build)?-python-abi-platform.whl).
func wheelName(file string) (name, version string, ok bool) {
	base := path.Base(stripFragment(strings.ReplaceAll(file, `\`, "/")))
	if !strings.HasSuffix(strings.ToLower(base), ".whl") {
		return "", "", false
	}
	parts := strings.Split(base[:len(base)-4], "-")
	if len(parts) != 5 && len(parts) != 6 {
		return "", "", false
	}
	return strings.ReplaceAll(parts[0], "_", "-"), strings.ReplaceAll(parts[1], "_", "-"), true
}

// reqParts is what the requirement text of a line says.
type reqParts struct {
	name      string
	extras    []string
	specifier string
	marker    string
	kind      Kind
	url       string

	// writtenURL is url as the file has it before ${VAR} expansion, when
	// that differs.
	writtenURL string
}

// parseReqText reads the requirement part of a line (after option
// splitting and marker-free, as pip's parse_req_from_line does). The error
// says why pip would refuse it.
func parseReqText(text string) (reqParts, error) {
	var p reqParts
	sep := ";"
	if isURL(text) {
		sep = "; "
	}
	if before, after, ok := strings.Cut(text, sep); ok {
		text = before
		p.marker = strings.TrimFunc(after, isSpace)
	}
	p, err := parseReqBody(p, text)
	if err == nil && p.marker != "" {
		if merr := checkMarker(p.marker); merr != nil {
			err = fmt.Errorf("invalid marker %q: %v", clip(p.marker), merr)
		}
	}
	return p, err
}

// parseReqBody reads the requirement text before its marker.
func parseReqBody(p reqParts, text string) (reqParts, error) {
	text = strings.TrimFunc(text, isSpace)
	if text == "" {
		return p, fmt.Errorf("empty requirement")
	}

	var link, reqString string
	switch {
	case isURL(text):
		link = text
	default:
		noExtras, extras := stripExtras(text)
		if isArchive(noExtras) {
			if before, _, ok := strings.Cut(noExtras, "@"); ok && !looksLikePath(before) {
				break // a PEP 508 "name @ url" requirement
			}
			link = noExtras
			p.extras = extras
		} else if looksLikePath(noExtras) && !strings.Contains(noExtras, "@") {
			link = noExtras
			p.extras = extras
		}
	}
	if link == "" {
		reqString = text
	} else {
		p.url, p.kind = link, urlKind(link)
		if name, version, ok := wheelName(link); ok {
			reqString = name + "==" + version
		} else {
			reqString = eggFragment(link)
			if reqString != "" && !validName(reqString) {
				// pip before 25.0 read "#egg=name==1.0" as a requirement.
				err := fmt.Errorf("#egg=%s is not a project name: pip 25.0 and later refuse "+
					"it (write \"name @ url\" instead)", clip(reqString))
				if r, perr := parsePEP508(reqString); perr == nil {
					p.name, p.specifier = r.name, r.specifier
				}
				return p, err
			}
		}
	}
	if reqString == "" {
		return p, nil // an unnamed URL or path requirement
	}

	r, err := parsePEP508(reqString)
	if err != nil {
		return p, err
	}
	p.name, p.specifier = r.name, r.specifier
	p.extras = append(r.extras, p.extras...)
	if r.url != "" {
		p.url, p.kind = r.url, urlKind(r.url)
	}
	return p, nil
}

// stripExtras splits "path[extra1,extra2]" as pip's _strip_extras does.
func stripExtras(s string) (string, []string) {
	if !strings.HasSuffix(s, "]") {
		return s, nil
	}
	i := strings.LastIndexByte(s, '[')
	if i <= 0 || strings.ContainsRune(s[i+1:len(s)-1], ']') || i+2 > len(s)-1 {
		return s, nil
	}
	var extras []string
	for _, e := range strings.Split(s[i+1:len(s)-1], ",") {
		if e = strings.TrimSpace(e); e != "" {
			extras = append(extras, e)
		}
	}
	return s[:i], extras
}

// parseOpenEditable reads the argument of -e: a local path (with optional
// extras) or a VCS URL, named by #egg= when it has one.
func parseEditable(value string) reqParts {
	noExtras, extras := stripExtras(value)
	p := reqParts{kind: Editable, url: noExtras, extras: extras}
	if egg := eggFragment(noExtras); egg != "" {
		name, eggExtras := stripExtras(egg)
		p.name = name
		p.extras = append(p.extras, eggExtras...)
	} else if r, err := parsePEP508(value); err == nil && r.url != "" {
		p.name, p.url, p.extras = r.name, r.url, r.extras // -e "name @ url"
	}
	return p
}
