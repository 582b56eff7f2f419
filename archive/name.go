package archive

import (
	"fmt"
	"regexp"
	"strings"
)

// maxNameLen is the longest product or release name the store accepts.
const maxNameLen = 128

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// CheckName reports whether s is a valid product or release name: a letter
// or digit, then letters, digits and "._+-", at most 128 characters, with
// no ".." and no "." at the end (a store key cannot hold them), and none of
// the file names of the store's root, in any case. what names the field in
// the error ("product", "release").
func CheckName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s name is empty", what)
	case len(s) > maxNameLen:
		return fmt.Errorf("%s name %.20q… is %d characters long; at most %d are allowed",
			what, s, len(s), maxNameLen)
	case !nameRE.MatchString(s):
		return fmt.Errorf("%s name %q: want a letter or digit followed by "+
			"letters, digits, '.', '_', '+' or '-'", what, s)
	case strings.Contains(s, "..") || strings.HasSuffix(s, "."):
		return fmt.Errorf(`%s name %q: a name may not contain ".." or end in "."`, what, s)
	}
	for _, name := range rootFiles {
		if strings.EqualFold(s, name) {
			return fmt.Errorf("%s name %q is reserved: the store's root holds a file of that name",
				what, s)
		}
	}
	return nil
}

// The fixed files of a store and of each release.
const (
	indexJSON   = "index.json"
	indexHTML   = "index.html"
	feedXML     = "feed.xml"
	styleCSS    = "sbom.css"
	faviconSVG  = "favicon.svg"
	siteJSON    = "site.json"
	lockName    = ".sbompipe.lock"
	sumsName    = "SHA256SUMS"
	releaseJSON = "release.json"
)

// rootFiles are the files at the root of a store, which no product folder
// may take the place of.
var rootFiles = []string{indexJSON, indexHTML, feedXML, styleCSS, faviconSVG, siteJSON, lockName}

// releaseDir is the key prefix of a release: "agent/v1.4.0/".
func releaseDir(product, release string) string {
	return product + "/" + release + "/"
}

// docKey is the store key of a release's document of kind k.
func docKey(product, release string, k Kind) string {
	return releaseDir(product, release) + product + "_" + release + k.Ext()
}

// isTempKey reports whether key is a temporary file that a file store's
// writer left behind when it was killed: "<name>.<hex nanoseconds>.tmp".
func isTempKey(key string) bool {
	rest, ok := strings.CutSuffix(key, ".tmp")
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 || i == len(rest)-1 {
		return false
	}
	for _, c := range rest[i+1:] {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
