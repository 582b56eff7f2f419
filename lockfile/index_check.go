package lockfile

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// IndexCheck returns the Check of the hash-unknown rule: it asks the
// package indexes of s for the files of each pinned version and reports
// every sha256 hash that matches none of them (a typo, a hash left over
// from another version, a tampered lockfile) and every pinned version the
// indexes have no file of. An index that cannot be read makes the Check
// fail: an error, not a pass. So do indexes that have none of the projects
// asked about (every project page is a 404): a wrong URL, not a lockfile
// whose every pin is unknown.
//
// Only sha256 hashes are compared, since that is what indexes list;
// sha384 and sha512 values are left to pip. Direct URLs, local files and
// unpinned entries are not looked up.
func IndexCheck(s *Sources) Check {
	return func(ctx context.Context, f *File) ([]Finding, error) {
		var reqs []*Requirement
		var releases []Release
		seen := map[Release]bool{}
		for _, r := range append(append([]*Requirement{}, f.Requirements...), f.Constraints...) {
			if r.Kind != Named || r.Version == "" || len(r.Hashes) == 0 {
				continue
			}
			reqs = append(reqs, r)
			rel := Release{Name: r.Canonical, Version: r.Version}
			if !seen[rel] {
				seen[rel] = true
				releases = append(releases, rel)
			}
		}
		files, onIndex, err := s.lookup(ctx, releases)
		if err != nil {
			return nil, err
		}
		if len(s.IndexURLs) > 0 && len(releases) > 0 && len(onIndex) == 0 && !anyFile(files) {
			return nil, s.noProjectsError(releases)
		}

		var fs []Finding
		for _, r := range reqs {
			known := map[string]bool{}
			for _, file := range files[Release{Name: r.Canonical, Version: r.Version}] {
				known[file.SHA256] = true
			}
			if len(known) == 0 {
				fs = append(fs, finding(r, r.Line, RuleHashUnknown, SeverityError, true,
					"%s==%s: the package index has no file of this version (yanked and deleted, "+
						"never published, or a typo in the pin)", r.Name, r.Version))
				continue
			}
			// pip refuses the entry only when no hash matches the file it picks.
			var unknown []Hash
			for _, h := range r.Hashes {
				if h.Algorithm == "sha256" && !known[strings.ToLower(h.Digest)] {
					unknown = append(unknown, h)
				}
			}
			for _, h := range unknown {
				refused := len(unknown) == len(r.Hashes)
				fs = append(fs, finding(r, h.Line, RuleHashUnknown, SeverityError, refused,
					"%s==%s: --hash=%s matches no file of this version on the package index: "+
						"a typo, a hash left from another version, or a tampered lockfile",
					r.Name, r.Version, shortHash(h.String())))
			}
		}
		return fs, nil
	}
}

func anyFile(files map[Release][]IndexFile) bool {
	for _, fs := range files {
		if len(fs) > 0 {
			return true
		}
	}
	return false
}

// noProjectsError is an IndexError for each index: none has a page for
// any of the projects of releases.
func (s *Sources) noProjectsError(releases []Release) error {
	urls := s.IndexURLs
	projects := map[string]bool{}
	for _, r := range releases {
		projects[Canonical(r.Name)] = true
	}
	what := fmt.Sprintf("none of the %d projects asked about is there (HTTP 404 Not Found "+
		"for each)", len(projects))
	if len(projects) == 1 {
		what = "the one project asked about is not there (HTTP 404 Not Found)"
	}
	errs := make([]error, len(urls))
	for i, u := range urls {
		errs[i] = s.indexError(u, errors.New(what+": is the URL right?"))
	}
	return errors.Join(errs...)
}
