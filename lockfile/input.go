package lockfile

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// InputCheck returns the Check of the stale and orphan rules: in is the
// parsed requirements.in (or any input file) the lockfile was compiled
// from, with the files it includes.
//
// stale: an entry of in that the lockfile lacks, or whose pin does not
// satisfy it, or a pin that does not satisfy a constraint of in. orphan:
// a lockfile entry annotated "# via -r <in>" that in no longer asks for.
func InputCheck(in *File) Check {
	return func(_ context.Context, f *File) ([]Finding, error) {
		return checkInput(in, f), nil
	}
}

func checkInput(in, f *File) []Finding {
	var fs []Finding
	// The input's own problems are warnings: what verify checks is the
	// lockfile, and an entry of the input that was not read is only not
	// compared with it. uv, which reads its input by rules of its own,
	// takes lines pip refuses (constraints with extras): for a lockfile
	// uv wrote, only a missing include is reported.
	for _, p := range in.Problems {
		if f.Header.Generator == "uv" && p.Rule != RuleIncludeMissing {
			continue
		}
		x := p.finding()
		x.Severity, x.PipRefuses = SeverityWarning, false
		x.Message += "; not compared with the lockfile"
		fs = append(fs, x)
	}
	locked := map[string][]*Requirement{}
	for _, r := range f.Requirements {
		if r.Canonical != "" {
			locked[r.Canonical] = append(locked[r.Canonical], r)
		}
	}
	asked := map[string]bool{}
	for _, want := range in.Requirements {
		if want.Canonical == "" {
			continue // an unnamed path or URL: nothing to look up
		}
		asked[want.Canonical] = true
		fs = append(fs, staleEntry(want, locked[want.Canonical], f.Path)...)
	}
	// A constraint (-c) asks for nothing, but every pin of its name must
	// satisfy it.
	for _, c := range in.Constraints {
		if c.Canonical == "" || c.Specifier == "" {
			continue
		}
		at := fmt.Sprintf("%s:%d", c.File, c.Line)
		sev, why := SeverityError, ""
		if c.Marker != "" {
			sev, why = SeverityWarning, fmt.Sprintf(" (its marker %q may be false where "+
				"the lockfile was compiled)", c.Marker)
		}
		for _, r := range locked[c.Canonical] {
			if r.Version != "" && !satisfies(r.Version, c.Specifier) {
				fs = append(fs, finding(r, r.Line, RuleStale, sev, false,
					"%s==%s does not satisfy the constraint %s%s at %s%s; compile the lockfile again",
					r.Name, r.Version, c.Name, c.Specifier, at, why))
			}
		}
	}
	for _, r := range f.Requirements {
		if r.Canonical == "" || asked[r.Canonical] {
			continue
		}
		if src := viaInput(r, in); src != "" {
			fs = append(fs, finding(r, r.Line, RuleOrphan, SeverityWarning, false,
				"%s is annotated \"# via %s\", but %s no longer asks for it; compile the "+
					"lockfile again", r.Name, src, in.Path))
		}
	}
	return fs
}

// staleEntry checks one entry of the input file against the lockfile
// entries of the same name.
func staleEntry(want *Requirement, got []*Requirement, lockPath string) []Finding {
	if len(got) == 0 {
		sev, why := SeverityError, ""
		if want.Marker != "" {
			// pip-compile resolves for one environment: the marker may
			// have been false where the lockfile was compiled.
			sev, why = SeverityWarning, fmt.Sprintf(" (its marker %q may have been false where "+
				"the lockfile was compiled)", want.Marker)
		}
		return []Finding{finding(want, want.Line, RuleStale, sev, false,
			"%s%s is in %s but not in %s%s; compile the lockfile again",
			want.Name, want.Specifier, want.File, lockPath, why)}
	}
	var fs []Finding
	for _, r := range got {
		at := fmt.Sprintf("%s:%d", want.File, want.Line)
		if want.URL != "" && sourceKey(want) != sourceKey(r) {
			fs = append(fs, finding(r, r.Line, RuleStale, SeverityError, false,
				"%s comes from %s here, but %s asks for %s", r.Name, Redact(r.WrittenURL), at,
				Redact(want.WrittenURL)))
			continue
		}
		if want.Specifier == "" || r.Version == "" || satisfies(r.Version, want.Specifier) {
			continue
		}
		fs = append(fs, finding(r, r.Line, RuleStale, SeverityError, false,
			"%s==%s does not satisfy %s%s at %s; compile the lockfile again",
			r.Name, r.Version, want.Name, want.Specifier, at))
	}
	return fs
}

// sourceKey is where a direct reference or local archive comes from, in
// a form that the input and the lockfile written from it share: a local
// path as the absolute file: URL pip writes for it (relative to the file
// that names it), the scheme and host in lower case, without credentials
// (a ${TOKEN} in one, its value in the other) or fragment (#sha256=…,
// #egg=…, which pip drops).
func sourceKey(r *Requirement) string {
	raw := r.URL
	if r.Kind == LocalArchive && !strings.Contains(raw, "://") {
		p := filepath.FromSlash(raw)
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(r.File), p)
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return "file://" + filepath.ToSlash(p)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Scheme == "file" {
		u.Path = path.Clean(u.Path)
		u.RawPath = ""
	}
	return u.String()
}

// satisfies reports whether version meets a PEP 440 specifier. A version
// or specifier that does not parse satisfies it: the syntax rule reports
// those.
func satisfies(version, spec string) bool {
	v, err := pep440.Parse(version)
	if err != nil {
		return true
	}
	ok, err := specContains(v, spec)
	return ok || err != nil
}

// specContains reports whether v is in the PEP 440 specifier set spec,
// pre-releases allowed, as packaging's SpecifierSet.contains(v,
// prereleases=True) answers (what pip asks of a pin, and of a marker).
// go-pep440-version's Check with pre-releases allowed drops one rule of
// PEP 440's, which this puts back: "<V" does not take a pre-release of V
// itself (2.0rc1 is not <2.0) unless V is a pre-release.
func specContains(v pep440.Version, spec string) (bool, error) {
	s, err := pep440.NewSpecifiers(spec, pep440.WithPreRelease(true))
	if err != nil {
		return false, err
	}
	if !s.Check(v) {
		return false, nil
	}
	if !v.IsPreRelease() {
		return true, nil
	}
	for _, clause := range strings.Split(spec, ",") {
		bound, ok := strings.CutPrefix(strings.TrimSpace(clause), "<")
		if !ok || strings.HasPrefix(bound, "=") {
			continue
		}
		limit, err := pep440.Parse(strings.TrimSpace(bound))
		if err != nil || limit.IsPreRelease() {
			continue
		}
		if sameRelease(v, limit) {
			return false, nil
		}
	}
	return true, nil
}

// sameRelease reports whether a and b have the same epoch and release
// segment ("2.0rc1" and "2.0.0").
func sameRelease(a, b pep440.Version) bool {
	ra, errA := pep440.Parse(a.BaseVersion())
	rb, errB := pep440.Parse(b.BaseVersion())
	return errA == nil && errB == nil && ra.Equal(rb)
}

// viaInput returns the "-r X" source of r's annotations that names one of
// the input's files (compared by file name: annotations keep the path the
// generator saw), or "".
func viaInput(r *Requirement, in *File) string {
	for _, src := range r.Via {
		target, ok := strings.CutPrefix(src, "-r ")
		if !ok {
			continue
		}
		base := path.Base(filepath.ToSlash(strings.TrimSpace(target)))
		for _, name := range in.Files {
			if path.Base(filepath.ToSlash(name)) == base {
				return src
			}
		}
	}
	return ""
}
