package pyindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Release describes one version of a project, from which the index builds
// its distribution files.
type Release struct {
	// Name is the project name as its metadata spells it ("Foo.Bar").
	Name string

	// Version is the version string, as it appears in file names.
	Version string

	// RequiresDist are the PEP 508 requirements written into the metadata
	// as Requires-Dist lines ("idna>=2", `colorama; sys_platform == "win32"`).
	RequiresDist []string

	// ProvidesExtra are the extras the metadata declares.
	ProvidesExtra []string

	// RequiresPython is written into the metadata and served as
	// data-requires-python; "" leaves it out.
	RequiresPython string

	// Tags are the wheel tags "python-abi-platform", one wheel each. An
	// empty list builds one "py3-none-any" wheel.
	Tags []string

	// Sdist also builds a .tar.gz source distribution with a PKG-INFO.
	Sdist bool
}

// Wheel builds a wheel of r with the given tag ("py3-none-any"): a zip with
// the package's __init__.py and a .dist-info folder holding METADATA, WHEEL
// and a RECORD that lists the sha256 of every other member. The bytes do not
// depend on the time of day, so the same release always hashes the same.
func Wheel(r Release, tag string) (filename string, data []byte, err error) {
	if err := r.check(); err != nil {
		return "", nil, err
	}
	if strings.Count(tag, "-") != 2 {
		return "", nil, fmt.Errorf("wheel tag %q: want python-abi-platform", tag)
	}
	dist := escape(r.Name)
	ver := strings.ReplaceAll(r.Version, "-", "_")
	filename = dist + "-" + ver + "-" + tag + ".whl"
	info := dist + "-" + ver + ".dist-info/"
	pure := strings.HasSuffix(tag, "-none-any")

	members := []struct{ name, body string }{
		{escape(r.Name) + "/__init__.py", fmt.Sprintf("__version__ = %q\n", r.Version)},
		{info + "METADATA", r.metadata("2.1")},
		{info + "WHEEL", wheelFile(tag, pure)},
	}
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		if err := writeZip(zw, m.name, m.body); err != nil {
			return "", nil, fmt.Errorf("building %s: %w", filename, err)
		}
		sum := sha256.Sum256([]byte(m.body))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", m.name,
			base64.RawURLEncoding.EncodeToString(sum[:]), len(m.body))
	}
	record.WriteString(info + "RECORD,,\n")
	if err := writeZip(zw, info+"RECORD", record.String()); err != nil {
		return "", nil, fmt.Errorf("building %s: %w", filename, err)
	}
	if err := zw.Close(); err != nil {
		return "", nil, fmt.Errorf("building %s: %w", filename, err)
	}
	return filename, buf.Bytes(), nil
}

// Sdist builds a source distribution of r: a gzipped tar holding
// <name>-<version>/PKG-INFO, the package's __init__.py, and a pyproject.toml
// naming an in-tree PEP 517 backend (backend.py) that needs nothing from an
// index, so that pip can build it where PyPI cannot be reached.
func Sdist(r Release) (filename string, data []byte, err error) {
	if err := r.check(); err != nil {
		return "", nil, err
	}
	dist := escape(r.Name)
	base := dist + "-" + r.Version
	filename = base + ".tar.gz"
	meta := r.metadata("2.1")
	pyproject := "[build-system]\nrequires = []\n" +
		"build-backend = \"pyindex_backend\"\nbackend-path = [\".\"]\n"
	backend := fmt.Sprintf(backendPy, dist, strings.ReplaceAll(r.Version, "-", "_"),
		wheelFile("py3-none-any", true))
	members := []struct{ name, body string }{
		{base + "/PKG-INFO", meta},
		{base + "/pyproject.toml", pyproject},
		{base + "/pyindex_backend.py", backend},
		{base + "/" + dist + "/__init__.py", fmt.Sprintf("__version__ = %q\n", r.Version)},
	}

	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf) // no name, no mtime: reproducible bytes
	tw := tar.NewWriter(gz)
	for _, m := range members {
		hdr := &tar.Header{
			Name:    m.name,
			Mode:    0o644,
			Size:    int64(len(m.body)),
			ModTime: epoch,
			Format:  tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", nil, fmt.Errorf("building %s: %w", filename, err)
		}
		if _, err := tw.Write([]byte(m.body)); err != nil {
			return "", nil, fmt.Errorf("building %s: %w", filename, err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, fmt.Errorf("building %s: %w", filename, err)
	}
	if err := gz.Close(); err != nil {
		return "", nil, fmt.Errorf("building %s: %w", filename, err)
	}
	return filename, buf.Bytes(), nil
}

// backendPy is the in-tree build backend of an sdist: it writes the
// metadata from PKG-INFO and builds the pure wheel with the standard
// library only. Formatted with the escaped name, the version and WHEEL.
const backendPy = `import base64, hashlib, os, zipfile

DIST, VERSION, WHEEL = %q, %q, %q
HERE = os.path.dirname(os.path.abspath(__file__))
INFO = DIST + "-" + VERSION + ".dist-info"


def _read(*path):
    with open(os.path.join(HERE, *path), encoding="utf-8") as f:
        return f.read()


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, INFO))
    for name, body in (("METADATA", _read("PKG-INFO")), ("WHEEL", WHEEL)):
        with open(os.path.join(metadata_directory, INFO, name), "w", encoding="utf-8") as f:
            f.write(body)
    return INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = DIST + "-" + VERSION + "-py3-none-any.whl"
    members = [(DIST + "/__init__.py", _read(DIST, "__init__.py")),
               (INFO + "/METADATA", _read("PKG-INFO")), (INFO + "/WHEEL", WHEEL)]
    record = ""
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for path, body in members:
            data = body.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record += "%%s,sha256=%%s,%%d\n" %% (path, digest.decode(), len(data))
        z.writestr(INFO + "/RECORD", record + INFO + "/RECORD,,\n")
    return name
`

// epoch is the time stamp of every archive member: the earliest a zip can
// hold, so the bytes never depend on when a test ran.
var epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

var validName = regexp.MustCompile(`(?i)^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)

func (r Release) check() error {
	if !validName.MatchString(r.Name) {
		return fmt.Errorf("release name %q: not a valid project name", r.Name)
	}
	if r.Version == "" || strings.ContainsAny(r.Version, " /\\") {
		return fmt.Errorf("release %s: bad version %q", r.Name, r.Version)
	}
	return nil
}

// metadata renders the core metadata (METADATA in a wheel, PKG-INFO in an
// sdist).
func (r Release) metadata(version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: %s\nName: %s\nVersion: %s\n", version, r.Name, r.Version)
	fmt.Fprintf(&b, "Summary: test package %s built by sbompipe's pyindex\n", r.Name)
	if r.RequiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", r.RequiresPython)
	}
	for _, e := range r.ProvidesExtra {
		fmt.Fprintf(&b, "Provides-Extra: %s\n", e)
	}
	for _, d := range r.RequiresDist {
		fmt.Fprintf(&b, "Requires-Dist: %s\n", d)
	}
	return b.String()
}

func wheelFile(tag string, pure bool) string {
	return fmt.Sprintf("Wheel-Version: 1.0\nGenerator: sbompipe-pyindex\n"+
		"Root-Is-Purelib: %t\nTag: %s\n", pure, tag)
}

func writeZip(zw *zip.Writer, name, body string) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch})
	if err != nil {
		return err
	}
	_, err = w.Write([]byte(body))
	return err
}

var separators = regexp.MustCompile(`[-_.]+`)

// Canonical returns the PEP 503 normalised form of a project name.
func Canonical(name string) string {
	return strings.ToLower(separators.ReplaceAllString(name, "-"))
}

// escape returns the name as wheel and sdist file names spell it: the
// normalised name with underscores.
func escape(name string) string {
	return strings.ReplaceAll(Canonical(name), "-", "_")
}
