package lockfile

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// Severity is how bad a finding is.
type Severity string

// The severities of findings.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// The rule IDs of DESIGN.md. They are stable: JSON output and workflow
// annotations carry them.
const (
	RuleSyntax         = "syntax"
	RuleNotPinned      = "not-pinned"
	RuleMissingHash    = "missing-hash"
	RuleNoSHA256       = "no-sha256"
	RuleBadHash        = "bad-hash"
	RuleEditable       = "editable"
	RuleUnhashable     = "unhashable"
	RuleDuplicate      = "duplicate"
	RuleUnsafeUnpinned = "unsafe-unpinned"
	RuleStale          = "stale"
	RuleOrphan         = "orphan"
	RuleCredentials    = "credentials"
	RuleInsecureIndex  = "insecure-index"
	RuleIncludeMissing = "include-missing"
	RuleHashUnknown    = "hash-unknown"
)

// digestLen is the length in hex digits of each algorithm pip accepts
// (pip's STRONG_HASHES).
var digestLen = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// hexDigit classifies bytes: 1 for 0-9 and a-f, 2 for A-F, 0 otherwise.
var hexDigit = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c], t[c-'a'+'A'] = 1, 2
	}
	return t
}()

// hexKind says whether s is non-empty hexadecimal, and whether it is all
// lower case.
func hexKind(s string) (hex, lower bool) {
	var seen uint8
	for i := 0; i < len(s); i++ {
		k := hexDigit[s[i]]
		if k == 0 {
			return false, false
		}
		seen |= k
	}
	return s != "", seen&2 == 0
}

// checkRequirements applies the per-entry rules: editable, unhashable,
// not-pinned, missing-hash, bad-hash and no-sha256.
func checkRequirements(f *File) []Finding {
	pins := constraintPins(f)
	hashMode := hashCheckingMode(f)
	var fs []Finding
	for _, r := range f.Requirements {
		switch r.Kind {
		case Editable:
			fs = append(fs, finding(r, r.Line, RuleEditable, SeverityError, true,
				"-e %s: pip refuses editable requirements in hash-checking mode, "+
					"because there is no single file to hash; "+
					"install it in a separate step without hashes", r.WrittenURL))
			continue
		case VCS, LocalDir:
			fs = append(fs, finding(r, r.Line, RuleUnhashable, SeverityError, true,
				"%s is a %s: no hash can cover it, and pip refuses it in hash-checking mode; "+
					"point at a built archive (wheel or sdist) with a --hash instead",
				r.WrittenURL, r.Kind))
			continue
		}
		hashes := r.Hashes
		if r.Kind == Named && r.Version == "" {
			c := pins[pinKey(r)]
			switch {
			case c != nil:
				fs = append(fs, finding(r, r.Line, RuleNotPinned, SeverityWarning, false,
					"%s%s is pinned only by the constraint %s at %s:%d: pip 26.1 and later use "+
						"its pin and hashes, older pips refuse it (HashUnpinned)",
					r.Name, r.Specifier, c.Specifier, c.File, c.Line))
				if len(hashes) == 0 {
					hashes = c.Hashes
				}
			case strings.HasPrefix(pipClause(r.Specifier), "==") &&
				!strings.Contains(pipClause(r.Specifier), ","):
				fs = append(fs, finding(r, r.Line, RuleNotPinned, SeverityError, false,
					"%s%s is a wildcard: pip takes it for pinned, "+
						"but it names no single version; pin one version with ==",
					r.Name, r.Specifier))
			default:
				spec := r.Specifier
				if spec == "" {
					spec = " (no version)"
				}
				fs = append(fs, finding(r, r.Line, RuleNotPinned, SeverityError, true,
					"%s%s is not pinned: "+
						"in hash-checking mode pip wants exactly ==VERSION or ===VERSION",
					r.Name, spec))
			}
		}
		fs = append(fs, checkHashes(r, hashes, hashMode)...)
	}
	return fs
}

// hashCheckingMode reports whether pip installs f in hash-checking mode:
// a requirement has a --hash, or a file says --require-hashes.
func hashCheckingMode(f *File) bool {
	for _, r := range f.Requirements {
		if len(r.Hashes) > 0 {
			return true
		}
	}
	for _, o := range f.Options {
		if o.Name == "require-hashes" {
			return true
		}
	}
	return false
}

// checkHashes applies missing-hash, bad-hash and no-sha256 to the hashes
// that stand for r.
func checkHashes(r *Requirement, hashes []Hash, hashMode bool) []Finding {
	what := r.Name + r.Specifier
	if r.Name == "" {
		what = r.WrittenURL
	}
	if len(hashes) == 0 {
		if r.FragmentHash != nil {
			return []Finding{finding(r, r.Line, RuleMissingHash, SeverityError, false,
				"%s has only a URL fragment hash (#%s=…): pip accepts it, but sbompipe wants a "+
					"--hash=sha256:… option", what, r.FragmentHash.Algorithm)}
		}
		if !hashMode {
			return []Finding{finding(r, r.Line, RuleMissingHash, SeverityError, true,
				"%s has no --hash: sbompipe wants a sha256 --hash on every entry, so that "+
					"pip installs it in hash-checking mode (--require-hashes) and refuses "+
					"any file that is not the one locked", what)}
		}
		return []Finding{finding(r, r.Line, RuleMissingHash, SeverityError, true,
			"%s has no --hash: in hash-checking mode (any --hash in the files turns it on) "+
				"pip refuses every requirement without one", what)}
	}
	var fs []Finding
	sha256, usable := false, false
	for _, h := range hashes {
		want, strong := digestLen[h.Algorithm]
		hex, lower := hexKind(h.Digest)
		switch {
		case !strong:
			fs = append(fs, finding(r, h.Line, RuleBadHash, SeverityError, true,
				"--hash=%s: %q is not allowed; pip accepts only sha256, sha384 and sha512 "+
					"(case-sensitive) and refuses the whole file",
				shortHash(h.String()), h.Algorithm))
			continue
		case !hex && strings.Contains(h.Digest, "--hash"):
			fs = append(fs, finding(r, h.Line, RuleBadHash, SeverityError, false,
				"--hash=%s: two --hash options glued into one digest: pip joins continued "+
					"lines with nothing between them, so the next line must start with a space",
				shortHash(h.String())))
		case !hex:
			fs = append(fs, finding(r, h.Line, RuleBadHash, SeverityError, false,
				"--hash=%s: the digest is not hexadecimal, so no file can ever match it",
				shortHash(h.String())))
		case len(h.Digest) != want:
			fs = append(fs, finding(r, h.Line, RuleBadHash, SeverityError, false,
				"--hash=%s: a %s digest has %d hex digits, this one %d, "+
					"so no file can ever match it",
				shortHash(h.String()), h.Algorithm, want, len(h.Digest)))
		case !lower:
			fs = append(fs, finding(r, h.Line, RuleBadHash, SeverityWarning, false,
				"--hash=%s: upper-case digest: pip before 24.2 never matches it; write it in "+
					"lower case", shortHash(h.String())))
		}
		if strong && hex && len(h.Digest) == want {
			usable = true
		}
		if h.Algorithm == "sha256" {
			sha256 = true
		}
	}
	if !usable {
		// No hash can match any file: pip fails with HashMismatch.
		for i := range fs {
			fs[i].PipRefuses = true
		}
	}
	if !sha256 {
		fs = append(fs, finding(r, r.Line, RuleNoSHA256, SeverityError, false,
			"%s has hashes but none is sha256: indexes publish sha256, so other tools cannot "+
				"check these; add the sha256 of every file", what))
	}
	return fs
}

// checkConstraintHashes checks the hashes of constraint entries: pip
// refuses a file with a weak algorithm wherever it is.
func checkConstraintHashes(f *File) []Finding {
	var fs []Finding
	for _, c := range f.Constraints {
		for _, x := range checkHashes(c, c.Hashes, true) {
			if x.Rule == RuleBadHash {
				fs = append(fs, x)
			}
		}
	}
	return fs
}

// pinKey identifies the entries that stand for the same package under the
// same markers.
func pinKey(r *Requirement) string {
	return r.Canonical + "\x00" + normMarker(r.Marker)
}

// constraintPins maps pinKey to the pinned constraint entry of that name
// and marker (or of that name without a marker).
func constraintPins(f *File) map[string]*Requirement {
	pins := map[string]*Requirement{}
	for _, c := range f.Constraints {
		if c.Version == "" || c.Canonical == "" {
			continue
		}
		pins[pinKey(c)] = c
	}
	for _, r := range f.Requirements {
		if _, ok := pins[pinKey(r)]; !ok {
			if c := pins[r.Canonical+"\x00"]; c != nil {
				pins[pinKey(r)] = c
			}
		}
	}
	return pins
}

// checkDuplicates finds the same normalised name twice under the same
// markers. Hash sets are intersected as pip does: an empty set means "no
// hashes given" and takes the other side.
func checkDuplicates(f *File) []Finding {
	fs := checkDuplicatePins(f)
	return append(fs, checkOverlappingPins(f)...)
}

// checkOverlappingPins finds entries of one project with other versions
// under other markers, where some machine meets both markers: pip gets
// both there and refuses the file. Markers that split the machines
// (python_version < "3.9" and >= "3.9") are the way to pin a project
// twice, and pass. The machines tried are those of markerMachines.
func checkOverlappingPins(f *File) []Finding {
	byName := map[string][]*Requirement{}
	var names []string
	for _, r := range f.Requirements {
		if r.Canonical == "" || r.Version == "" {
			continue
		}
		if _, ok := byName[r.Canonical]; !ok {
			names = append(names, r.Canonical)
		}
		byName[r.Canonical] = append(byName[r.Canonical], r)
	}
	var fs []Finding
	for _, name := range names {
		rs := byName[name]
		if len(rs) < 2 {
			continue
		}
		// Each marker is evaluated once on every machine, not once a pair.
		held := make([][]bool, len(rs))
		for i, r := range rs {
			held[i] = machinesHeld(r.Marker)
		}
		for j := 1; j < len(rs); j++ {
			for i := 0; i < j; i++ {
				a, b := rs[i], rs[j]
				if pinKey(a) == pinKey(b) || sameVersion(a.Version, b.Version) {
					continue // the same marker: checkDuplicatePins
				}
				if m := firstOfBoth(held[i], held[j]); m >= 0 {
					fs = append(fs, finding(b, b.Line, RuleDuplicate, SeverityError, true,
						"%s==%s here and ==%s at %s:%d: both markers hold on %s, where pip "+
							"cannot install both", b.Name, b.Version, a.Version, a.File, a.Line,
						machineName(markerMachines[m])))
					break
				}
			}
		}
	}
	return fs
}

// markerMachines are the machines checkOverlappingPins tries markers on:
// CPython and PyPy from 2.7 to 3.14 on Linux, macOS and Windows.
var markerMachines = func() []markerEnv {
	type platform struct{ osName, sysPlatform, system, machine string }
	platforms := []platform{
		{"posix", "linux", "Linux", "x86_64"}, {"posix", "linux", "Linux", "aarch64"},
		{"posix", "darwin", "Darwin", "arm64"}, {"posix", "darwin", "Darwin", "x86_64"},
		{"nt", "win32", "Windows", "AMD64"},
	}
	var envs []markerEnv
	for _, py := range []string{"2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13",
		"3.14"} {
		for _, p := range platforms {
			for _, impl := range []string{"cpython", "pypy"} {
				name := map[string]string{"cpython": "CPython", "pypy": "PyPy"}[impl]
				envs = append(envs, markerEnv{
					"python_version": py, "python_full_version": py + ".0",
					"implementation_version": py + ".0", "implementation_name": impl,
					"platform_python_implementation": name, "os_name": p.osName,
					"sys_platform": p.sysPlatform, "platform_system": p.system,
					"platform_machine": p.machine, "platform_release": "", "platform_version": "",
				})
			}
		}
	}
	return envs
}()

// machinesHeld says for each machine of markerMachines whether marker
// holds there; nil when the marker cannot be read.
func machinesHeld(marker string) []bool {
	held := make([]bool, len(markerMachines))
	for i, env := range markerMachines {
		ok, err := evalMarker(marker, env, nil)
		if err != nil {
			return nil
		}
		held[i] = ok
	}
	return held
}

// firstOfBoth returns the first machine both a and b hold on, or -1 (and
// -1 when either marker could not be read).
func firstOfBoth(a, b []bool) int {
	if a == nil || b == nil {
		return -1
	}
	for m := range a {
		if a[m] && b[m] {
			return m
		}
	}
	return -1
}

// machineName describes a machine of markerMachines: "Python 3.12
// (cpython) on linux x86_64".
func machineName(env markerEnv) string {
	return fmt.Sprintf("Python %s (%s) on %s %s", env["python_version"],
		env["implementation_name"], env["sys_platform"], env["platform_machine"])
}

// checkDuplicatePins checks entries of one project under one marker.
func checkDuplicatePins(f *File) []Finding {
	first := map[string]*Requirement{}
	allowed := map[string]map[string]bool{}
	var fs []Finding
	for _, r := range f.Requirements {
		if r.Canonical == "" {
			continue
		}
		key := pinKey(r)
		prev, ok := first[key]
		if !ok {
			first[key] = r
			continue
		}
		if _, ok := allowed[key]; !ok {
			allowed[key] = hashSet(prev.Hashes)
		}
		set := hashSet(r.Hashes)
		at := fmt.Sprintf("%s:%d", prev.File, prev.Line)
		switch {
		case prev.Version != "" && r.Version != "" && !sameVersion(prev.Version, r.Version):
			fs = append(fs, finding(r, r.Line, RuleDuplicate, SeverityError, true,
				"%s==%s here and ==%s at %s: pip cannot install both",
				r.Name, r.Version, prev.Version, at))
			continue
		case len(set) == 0 || len(allowed[key]) == 0:
			if len(allowed[key]) == 0 {
				allowed[key] = set
			}
		default:
			both := map[string]bool{}
			for h := range set {
				if allowed[key][h] {
					both[h] = true
				}
			}
			allowed[key] = both
			if len(both) == 0 {
				// pip 23.2 picks files with the intersection but checks the
				// download against the first entry's hashes only, so it
				// installs. TODO(#2): run the differential test with pip
				// 26 and mark this refused if it no longer installs.
				fs = append(fs, finding(r, r.Line, RuleDuplicate, SeverityError, false,
					"%s is also listed at %s and the two share no hash: pip intersects the hash "+
						"sets to pick a file, and which hashes it then enforces depends on its "+
						"version; keep one entry", r.Name, at))
				continue
			}
			if len(both) < len(set) || len(both) < len(hashSet(prev.Hashes)) {
				fs = append(fs, finding(r, r.Line, RuleDuplicate, SeverityWarning, false,
					"%s is also listed at %s with other hashes: pip allows only the %d they share",
					r.Name, at, len(both)))
				continue
			}
		}
		fs = append(fs, finding(r, r.Line, RuleDuplicate, SeverityWarning, false,
			"%s repeats the entry at %s", r.Name, at))
	}
	return fs
}

// hashSet returns the hashes of an entry as "algorithm:lower-case digest".
func hashSet(hs []Hash) map[string]bool {
	set := map[string]bool{}
	for _, h := range hs {
		set[h.Algorithm+":"+strings.ToLower(h.Digest)] = true
	}
	return set
}

// sameVersion compares two versions by PEP 440 ("1.0" is "1.0.0"), or as
// text when one does not parse.
func sameVersion(a, b string) bool {
	va, errA := pep440.Parse(a)
	vb, errB := pep440.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return va.Equal(vb)
}

// checkUnsafe reports the packages of pip-compile's unsafe trailer that no
// entry pins.
func checkUnsafe(f *File) []Finding {
	var fs []Finding
	for _, u := range f.Unsafe {
		pinned := false
		for _, r := range f.Requirements {
			if r.Canonical == Canonical(u.Name) && r.Version != "" {
				pinned = true
			}
		}
		if pinned {
			continue
		}
		fs = append(fs, Finding{File: u.File, Line: u.Line, Rule: RuleUnsafeUnpinned,
			Severity: SeverityError, Package: u.Name, Message: fmt.Sprintf("%s was left "+
				"out of the lockfile as unsafe: pip install --require-hashes fails whenever "+
				"a package needs it and it is not installed yet; compile with --allow-unsafe "+
				"(pip-compile) or without --no-emit-package (uv)", u.Name)})
	}
	return fs
}

// indexOptions are the options that name where packages come from.
var indexOptions = map[string]bool{"index-url": true, "extra-index-url": true, "find-links": true}

// checkIndexes applies credentials and insecure-index to the options and
// the URLs of requirements. Messages show what the file says, before
// ${VAR} expansion, so that no expanded secret is ever printed.
func checkIndexes(f *File) []Finding {
	var fs []Finding
	for _, o := range f.Options {
		switch {
		case o.Name == "trusted-host":
			fs = append(fs, Finding{File: o.File, Line: o.Line, Rule: RuleInsecureIndex,
				Severity: SeverityWarning, Message: fmt.Sprintf("--trusted-host %s: pip stops "+
					"checking TLS for this host", clip(o.Written))})
		case indexOptions[o.Name]:
			if what := literalCredential(o.Written); what != "" {
				fs = append(fs, Finding{File: o.File, Line: o.Line, Rule: RuleCredentials,
					Severity: SeverityError, Message: fmt.Sprintf("--%s %s has %s written in the "+
						"file, where logs, SBOMs and caches copy it; write ${VAR} instead, "+
						"or use a netrc or keyring", o.Name, clip(Redact(o.Written)), what)})
			}
			if insecureURL(o.Value) {
				fs = append(fs, Finding{File: o.File, Line: o.Line, Rule: RuleInsecureIndex,
					Severity: SeverityWarning, Message: fmt.Sprintf("--%s %s uses http://: "+
						"anyone on the way can change the index pages",
						o.Name, clip(Redact(o.Written)))})
			}
		}
	}
	for _, r := range append(append([]*Requirement{}, f.Requirements...), f.Constraints...) {
		if what := literalCredential(r.WrittenURL); r.URL != "" && what != "" {
			fs = append(fs, finding(r, r.Line, RuleCredentials, SeverityError, false,
				"%s has %s written in the file; write ${VAR} instead", Redact(r.WrittenURL), what))
		}
	}
	return fs
}

// insecureURL reports whether u is plain http:// to a host that is not
// loopback. The host is found by hand, after the last "@" of the
// authority, so that credentials url.Parse refuses ("${TOKEN}", a "/" in a
// password) do not hide it.
func insecureURL(u string) bool {
	if scheme(u) != "http" {
		return false
	}
	_, rest, _ := strings.Cut(u, "://")
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	parsed, err := url.Parse("http://" + authority)
	if err != nil {
		return true
	}
	host := parsed.Hostname()
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}
