package sbom

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/package-url/packageurl-go"
	"golang.org/x/mod/module"
)

// goProxy is where the download location of a public module points: the
// module zip on the public proxy, as the Go command fetches it.
const goProxy = "https://proxy.golang.org"

// goModule returns the component for the module path@version, with the
// module's h1 from sums when sums has it. private reports whether the
// module is private (GOPRIVATE, GONOPROXY), which has no public download
// location.
func goModule(path, version, h1 string, private bool) *Component {
	c := &Component{
		Key:       "go:" + path + "@" + version,
		Ecosystem: Go,
		Kind:      Library,
		Name:      path,
		Version:   version,
		PURL:      goPURL(path, version),
	}
	if h1 != "" {
		c.Properties = append(c.Properties, Property{"sbompipe:go:h1", h1})
		if hex, ok := h1Hex(h1); ok {
			c.Hashes = append(c.Hashes, Hash{Algorithm: "SHA-256", Value: hex})
		}
	}
	if !private {
		c.DownloadLocation = goZipURL(path, version)
	}
	return c
}

// goLocalModule returns the component for a module replaced by a local
// directory: it has neither version nor hash.
func goLocalModule(path, dir string) *Component {
	return &Component{
		Key:        "go:local:" + path + "=>" + dir,
		Ecosystem:  Go,
		Kind:       Library,
		Name:       path,
		PURL:       goPURL(path, ""),
		Properties: []Property{{"sbompipe:go:local-replacement", dir}},
		Notes: []string{"replaced by the local directory " + dir +
			": no version and no go.sum hash identify its content"},
	}
}

// goMain returns the component for a main module: the module a go.mod
// declares or a binary was built from.
func goMain(path, version string) *Component {
	return &Component{
		Key:       "go:main:" + path + "@" + version,
		Ecosystem: Go,
		Kind:      Application,
		Name:      path,
		Version:   version,
		PURL:      goPURL(path, version),
	}
}

// goStdlib returns the component for the Go standard library of the given
// Go version ("go1.26.8"). how says where the version comes from.
func goStdlib(goVersion, how string) *Component {
	v := strings.TrimPrefix(goVersion, "go")
	purl := packageurl.NewPackageURL(packageurl.TypeGolang, "", "stdlib", v, nil, "")
	return &Component{
		Key:              "go:stdlib@" + goVersion,
		Ecosystem:        Go,
		Kind:             Library,
		Name:             "stdlib",
		Version:          goVersion,
		PURL:             purl.ToString(),
		CPE:              "cpe:2.3:a:golang:go:" + v + ":*:*:*:*:*:*:*",
		License:          "BSD-3-Clause",
		DownloadLocation: "https://go.dev/dl/" + goVersion + ".src.tar.gz",
		Properties:       []Property{{"sbompipe:go:stdlib-version-from", how}},
	}
}

// goPURL returns pkg:golang/<path>@<version>, the path split at its last
// slash into namespace and name, case kept, version with its "v".
func goPURL(path, version string) string {
	ns, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

// goZipURL returns the proxy URL of a module's zip file.
func goZipURL(path, version string) string {
	ep, err := module.EscapePath(path)
	if err != nil {
		return ""
	}
	ev, err := module.EscapeVersion(version)
	if err != nil {
		return ""
	}
	return goProxy + "/" + ep + "/@v/" + ev + ".zip"
}

// h1Hex turns a go.sum "h1:<base64>" into the hex of its SHA-256.
func h1Hex(h1 string) (string, bool) {
	b64, ok := strings.CutPrefix(h1, "h1:")
	if !ok {
		return "", false
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sum) != 32 {
		return "", false
	}
	return hex.EncodeToString(sum), true
}
