package lockfile

import (
	"strconv"

	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// File is a parsed requirements file together with every file it reached
// through -r and -c. Entries keep the file and line they came from.
type File struct {
	// Path is the path of the top-level file, as given to Parse.
	Path string

	// Files lists every file read, the top-level one first, in the order
	// they were first reached.
	Files []string

	// Header is the generator header of the top-level file, if any.
	Header Header

	// Requirements are the requirement entries (from the top-level file and
	// the files it includes with -r), in file order.
	Requirements []*Requirement

	// Constraints are the entries of constraint files (-c), in file order.
	// They constrain what is installed; they are not installed themselves.
	Constraints []*Requirement

	// Options are the global option lines (--index-url, --find-links, -r,
	// -c, …) of every file, in file order.
	Options []*Option

	// Unsafe lists the packages that pip-compile commented out in its
	// unsafe-packages trailer ("# setuptools" after the WARNING), which pip
	// will refuse in hash-checking mode when they are needed.
	Unsafe []*UnsafeEntry

	// Problems are the lines pip would refuse or silently drop, each with
	// its file and line. In strict mode Parse also returns them as an
	// ErrorList; in lax mode the affected entries are kept where they can
	// be, or skipped.
	Problems []*Problem
}

// Header is what a generator wrote at the top of its output.
type Header struct {
	// Generator is "pip-compile", "uv", "sbompipe", or "" when the file has
	// no recognised header.
	Generator string

	// Python is the Python version pip-compile names ("3.12"), if any.
	Python string

	// Command is the command line the header gives, without the leading
	// "#" and indentation.
	Command string

	// Line is the line of the command, or 0.
	Line int
}

// Requirement is one requirement entry: a logical line that names something
// to install.
type Requirement struct {
	// File and Line locate the entry: the first physical line of the
	// logical line. EndLine is the last physical line it spans.
	File    string
	Line    int
	EndLine int

	// Name is the project name as written (e.g. "Django"), or the name
	// taken from a URL's #egg= fragment or wheel file name. Empty for a URL
	// or path whose name cannot be known without building it.
	Name string

	// Canonical is Name normalised by PEP 503 ("zope.interface" and
	// "Zope_Interface" are both "zope-interface").
	Canonical string

	// Extras are the extras in brackets, as written.
	Extras []string

	// Specifier is the version specifier as written ("==1.2.3",
	// ">=2,<3"), without spaces.
	Specifier string

	// Version is the pinned version when Specifier is exactly one "==" or
	// "===" clause without a wildcard; otherwise "".
	Version string

	// Marker is the PEP 508 environment marker after ";", as written.
	Marker string

	// Kind says what the entry points at.
	Kind Kind

	// URL is the direct reference (name @ url), the bare URL, or the local
	// path, with any credentials in it. Use Redact before printing it.
	URL string

	// WrittenURL is URL as written in the file, before ${VAR} expansion.
	WrittenURL string

	// Hashes are the --hash options of the entry, in order.
	Hashes []Hash

	// FragmentHash is the hash given in the URL fragment (#sha256=…), if
	// any. pip accepts it in hash-checking mode.
	FragmentHash *Hash

	// Via are pip-compile's and uv's "# via" annotations that follow the
	// entry: "-r requirements.in", "-c constraints.txt", a package name,
	// "proj (pyproject.toml)".
	Via []string

	// Constraint is true for entries of a constraints file (-c).
	Constraint bool
}

// Kind is the form of a requirement.
type Kind int

const (
	// Named is a requirement by name and specifier from an index.
	Named Kind = iota
	// DirectURL is a remote archive: "name @ https://…" or a bare URL.
	DirectURL
	// LocalArchive is a local wheel or sdist file.
	LocalArchive
	// LocalDir is a local project directory; no hash can cover it.
	LocalDir
	// VCS is a version-control URL (git+https://…); no hash can cover it.
	VCS
	// Editable is an -e line; pip refuses it in hash-checking mode.
	Editable
)

// String returns the kind's name as used in messages.
func (k Kind) String() string {
	switch k {
	case Named:
		return "named"
	case DirectURL:
		return "direct URL"
	case LocalArchive:
		return "local archive"
	case LocalDir:
		return "local directory"
	case VCS:
		return "VCS"
	case Editable:
		return "editable"
	}
	return "unknown"
}

// Hash is one --hash value.
type Hash struct {
	// Algorithm is the name before the colon, as written ("sha256").
	Algorithm string
	// Digest is the value after the colon, as written.
	Digest string
	// Line is the physical line the hash is on.
	Line int
}

// String returns "algorithm:digest".
func (h Hash) String() string {
	return h.Algorithm + ":" + h.Digest
}

// Option is a global option line in a requirements file.
type Option struct {
	File string
	Line int
	// Name is the long option name without dashes: "index-url",
	// "extra-index-url", "find-links", "trusted-host", "requirement",
	// "constraint", "no-index", "require-hashes", ….
	Name string
	// Value is the option's argument, or "" for a flag, after ${VAR}
	// expansion: what pip uses.
	Value string
	// Written is the argument as written in the file, before ${VAR}
	// expansion.
	Written string
}

// UnsafeEntry is a package pip-compile left out as unsafe and commented out.
type UnsafeEntry struct {
	File string
	Line int
	Name string
}

// Problem is a line pip would refuse or silently drop.
type Problem struct {
	File string
	Line int
	// Message says what is wrong and, where pip would silently drop
	// something, what it would drop.
	Message string
	// Rule is the verify rule that reports the problem: RuleSyntax or
	// RuleIncludeMissing.
	Rule string
	// Severity is SeverityError for what pip refuses or drops, and
	// SeverityWarning for what it accepts but deserves a look (an unset
	// ${VAR}).
	Severity Severity
	// PipRefuses is true when current pip refuses the file for it, and
	// false when pip goes on after dropping or ignoring something.
	PipRefuses bool
	// Unread is true when sbompipe read no further: the lines after it
	// are not in the File.
	Unread bool
}

// Error returns "file:line: message", control characters in the file name
// escaped.
func (p *Problem) Error() string {
	return textsafe.Control(p.File) + ":" + strconv.Itoa(p.Line) + ": " + p.Message
}
