package lockfile

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// pipReport is the part of pip's installation report (pip install --report,
// format version 1) the pip backend reads.
// See https://pip.pypa.io/en/stable/reference/installation-report/.
type pipReport struct {
	Version     string            `json:"version"`
	Install     []reportItem      `json:"install"`
	Environment map[string]string `json:"environment"`
}

type reportItem struct {
	Metadata struct {
		Name         string   `json:"name"`
		Version      string   `json:"version"`
		RequiresDist []string `json:"requires_dist"`
	} `json:"metadata"`
	IsDirect        bool     `json:"is_direct"`
	Requested       bool     `json:"requested"`
	RequestedExtras []string `json:"requested_extras"`
	DownloadInfo    struct {
		URL         string          `json:"url"`
		ArchiveInfo *struct{}       `json:"archive_info"`
		VCSInfo     json.RawMessage `json:"vcs_info"`
		DirInfo     json.RawMessage `json:"dir_info"`
	} `json:"download_info"`
}

func readReport(data []byte) (*pipReport, error) {
	var r pipReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reading pip's report: %w", err)
	}
	if r.Version != "1" && !strings.HasPrefix(r.Version, "1.") {
		return nil, fmt.Errorf("reading pip's report: format version %q, want 1", r.Version)
	}
	for _, it := range r.Install {
		if it.Metadata.Name == "" || it.Metadata.Version == "" {
			return nil, fmt.Errorf("reading pip's report: an entry without name or version")
		}
		switch {
		case it.DownloadInfo.VCSInfo != nil:
			return nil, fmt.Errorf("%s comes from version control (%s): no hash can cover it",
				it.Metadata.Name, Redact(it.DownloadInfo.URL))
		case it.DownloadInfo.DirInfo != nil:
			return nil, fmt.Errorf("%s is a local directory (%s): no hash can cover it",
				it.Metadata.Name, it.DownloadInfo.URL)
		}
	}
	return &r, nil
}

// pythonVersion is the "X.Y" the report's environment names.
func (r *pipReport) pythonVersion() string {
	return r.Environment["python_version"]
}

// viaGraph computes each pinned package's "# via" sources: inputName
// ("-r requirements.in") for what the user asked for, and the canonical
// names of the pinned packages whose Requires-Dist name it under a marker
// that holds in the report's environment. Extras are followed: a package
// requested as "x[fast]", or required so by another, has the dependencies
// of its "fast" extra.
func (r *pipReport) viaGraph(inputName string) (map[string][]string, error) {
	pinned := map[string]bool{}
	extras := map[string]map[string]bool{}
	deps := map[string][]depSpec{}
	for _, it := range r.Install {
		name := Canonical(it.Metadata.Name)
		pinned[name] = true
		extras[name] = map[string]bool{}
		for _, e := range it.RequestedExtras {
			extras[name][Canonical(e)] = true
		}
		for _, s := range it.Metadata.RequiresDist {
			d, err := parseDep(s)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", it.Metadata.Name, it.Metadata.Version, err)
			}
			deps[name] = append(deps[name], d)
		}
	}

	// Spread extras until nothing changes: enabling an extra can require
	// another package with extras of its own.
	for changed := true; changed; {
		changed = false
		for name, ds := range deps {
			for _, d := range ds {
				ok, err := evalMarker(d.marker, r.Environment, keys(extras[name]))
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				if !ok || !pinned[d.name] {
					continue
				}
				for _, e := range d.extras {
					if !extras[d.name][e] {
						extras[d.name][e] = true
						changed = true
					}
				}
			}
		}
	}

	via := map[string]map[string]bool{}
	add := func(name, source string) {
		if via[name] == nil {
			via[name] = map[string]bool{}
		}
		via[name][source] = true
	}
	for _, it := range r.Install {
		if it.Requested {
			add(Canonical(it.Metadata.Name), inputName)
		}
	}
	for name, ds := range deps {
		for _, d := range ds {
			ok, _ := evalMarker(d.marker, r.Environment, keys(extras[name])) // checked above
			if ok && pinned[d.name] && d.name != name {
				add(d.name, name)
			}
		}
	}
	out := map[string][]string{}
	for name, set := range via {
		out[name] = keys(set)
	}
	return out, nil
}

func keys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
