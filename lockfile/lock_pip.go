package lockfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// lockWithPip is the built-in backend: pip's resolver picks the versions
// (pip install --dry-run --ignore-installed --report), the package index
// gives the hashes of every file of each pinned version, and Write lays
// the result out as pip-compile would.
func (l *locker) lockWithPip(ctx context.Context, tmp string) error {
	work, err := os.MkdirTemp("", "sbompipe-lock-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	report := filepath.Join(work, "report.json")
	// Not --quiet: pip explains a conflict only at its default verbosity.
	args := []string{"-m", "pip", "install", "--dry-run", "--ignore-installed",
		"--report", report, "-r", l.inRel}
	args = append(args, l.indexArgs()...)
	if seed, err := l.seedConstraints(work); err != nil {
		return err
	} else if seed != "" {
		args = append(args, "-c", seed)
	}
	if err := l.run(ctx, l.python, args); err != nil {
		var be *BackendError
		if errors.As(err, &be) && len(l.seed) > 0 &&
			strings.Contains(be.Output, "ResolutionImpossible") {
			if hint := l.conflictHint(be.Output); hint != "" {
				be.Output += "\n  hint: " + hint
			}
		}
		return err
	}

	data, err := os.ReadFile(report)
	if err != nil {
		return fmt.Errorf("pip wrote no report: %w", err)
	}
	rep, err := readReport(data)
	if err != nil {
		return err
	}
	res, err := l.resolution(ctx, rep)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := Write(&buf, res); err != nil {
		return err
	}
	return os.WriteFile(tmp, buf.Bytes(), 0o644)
}

// resolution turns pip's report into hashed pins.
func (l *locker) resolution(ctx context.Context, rep *pipReport) (*Resolution, error) {
	via, err := rep.viaGraph("-r " + filepath.ToSlash(l.inRel))
	if err != nil {
		return nil, err
	}
	var releases []Release
	for _, it := range rep.Install {
		if !it.IsDirect {
			releases = append(releases,
				Release{Name: it.Metadata.Name, Version: it.Metadata.Version})
		}
	}
	files, err := l.sources().Files(ctx, releases)
	if err != nil {
		return nil, err
	}

	res := &Resolution{
		Command:   l.opts.Command,
		Python:    rep.pythonVersion(),
		IndexURLs: l.emittedIndexURLs(),
		FindLinks: l.opts.FindLinks,
		NoIndex:   l.opts.NoIndex,
	}
	var missing []string
	for _, it := range rep.Install {
		name := Canonical(it.Metadata.Name)
		pin := Pin{Name: name, Version: it.Metadata.Version, Via: via[name]}
		if it.IsDirect {
			pin.Version, pin.URL = "", it.DownloadInfo.URL
			sum, err := l.sources().download(ctx, it.DownloadInfo.URL)
			if err != nil {
				return nil, fmt.Errorf("hashing %s: %w", name, err)
			}
			pin.Hashes = []string{"sha256:" + sum}
		}
		for _, f := range files[Release{Name: it.Metadata.Name, Version: it.Metadata.Version}] {
			pin.Hashes = append(pin.Hashes, "sha256:"+f.SHA256)
		}
		if len(pin.Hashes) == 0 {
			missing = append(missing, name+"=="+it.Metadata.Version)
		}
		res.Pins = append(res.Pins, pin)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("no package index lists a file of %s; pip found %s elsewhere "+
			"(pip.conf or PIP_* settings?): pass that index with --index-url or --find-links",
			strings.Join(missing, ", "), pronoun(len(missing)))
	}
	return res, nil
}

// constraintRE matches the line by which pip names a constraint among the
// causes of a conflict: "The user requested (constraint) beta==0.5".
var constraintRE = regexp.MustCompile(
	`The user requested \(constraint\) ([A-Za-z0-9][A-Za-z0-9._-]*)`)

// conflictHint says which of the old lockfile's pins, kept as constraints,
// pip names among the causes of a conflict, and how to let them move. It
// returns "" when pip explains the conflict without naming one of them.
func (l *locker) conflictHint(output string) string {
	seeded := map[string]bool{}
	for _, p := range l.seed {
		seeded[Canonical(p.Name)] = true
	}
	var names []string
	for _, m := range constraintRE.FindAllStringSubmatch(output, -1) {
		if name := Canonical(m[1]); seeded[name] && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		if strings.Contains(output, "The conflict is caused by:") {
			return "" // the old pins play no part: nothing to upgrade
		}
		return "the old lockfile's pins are kept as constraints; let the conflicting ones " +
			"move with --upgrade-package NAME, or all with --upgrade"
	}
	sort.Strings(names)
	flags := "--upgrade-package " + strings.Join(names, " --upgrade-package ")
	if len(names) == 1 {
		return fmt.Sprintf("the old lockfile's pin of %s, kept as a constraint, is in the "+
			"conflict; let it move with %s, or every pin with --upgrade", names[0], flags)
	}
	last := len(names) - 1
	return fmt.Sprintf("the old lockfile's pins of %s and %s, kept as constraints, are in the "+
		"conflict; let them move with %s, or every pin with --upgrade",
		strings.Join(names[:last], ", "), names[last], flags)
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// sources are the indexes and find-links locations hashes come from: the
// ones given, else those of pip's PIP_INDEX_URL, PIP_EXTRA_INDEX_URL and
// PIP_FIND_LINKS, else pip's default index; no index with PIP_NO_INDEX.
func (l *locker) sources() *Sources {
	env := map[string]string{}
	for _, kv := range l.env() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "PIP_") {
			env[k] = v
		}
	}
	s := &Sources{FindLinks: l.opts.FindLinks, Client: l.opts.HTTPClient, Dir: l.dir}
	switch {
	case l.opts.IndexURL != "":
		s.IndexURLs = []string{l.opts.IndexURL}
	case env["PIP_INDEX_URL"] != "":
		s.IndexURLs = []string{env["PIP_INDEX_URL"]}
	default:
		s.IndexURLs = []string{DefaultIndexURL}
	}
	s.IndexURLs = append(s.IndexURLs, l.opts.ExtraIndexURLs...)
	if len(l.opts.ExtraIndexURLs) == 0 {
		s.IndexURLs = append(s.IndexURLs, strings.Fields(env["PIP_EXTRA_INDEX_URL"])...)
	}
	if len(s.FindLinks) == 0 {
		s.FindLinks = strings.Fields(env["PIP_FIND_LINKS"])
	}
	switch strings.ToLower(env["PIP_NO_INDEX"]) {
	case "1", "true", "yes", "on":
		s.IndexURLs = nil // pip asks no index at all: neither do we
	}
	if l.opts.NoIndex {
		s.IndexURLs = nil
	}
	return s
}

// emittedIndexURLs are the index lines the lockfile gets: none when any
// index URL carries credentials (pip-compile's --no-emit-index-url), so
// that no secret is ever written into the lockfile, and none with
// --no-index.
func (l *locker) emittedIndexURLs() []string {
	if l.indexHasCredentials() || l.opts.NoIndex {
		return nil // with --no-index, pip asked none of them
	}
	if l.opts.IndexURL == "" && len(l.opts.ExtraIndexURLs) == 0 {
		return nil // pip's own settings: not the lockfile's business
	}
	first := l.opts.IndexURL
	if first == "" {
		first = DefaultIndexURL // which Write leaves out
	}
	return append([]string{first}, l.opts.ExtraIndexURLs...)
}

// seedConstraints writes the old lockfile's pins, less the packages being
// upgraded, as a constraints file, so that pins stay where they were.
func (l *locker) seedConstraints(dir string) (string, error) {
	if l.opts.Upgrade || len(l.seed) == 0 {
		return "", nil
	}
	upgrade := map[string]bool{}
	for _, p := range l.opts.UpgradePackages {
		if d, err := parseDep(p); err == nil {
			upgrade[d.name] = true
		}
	}
	var b strings.Builder
	for _, p := range l.opts.UpgradePackages {
		if strings.ContainsAny(p, "<>=!~") { // "django<5": a bound for the upgrade
			fmt.Fprintln(&b, p)
		}
	}
	for _, p := range l.seed {
		if !upgrade[Canonical(p.Name)] {
			fmt.Fprintf(&b, "%s==%s\n", p.Name, p.Version)
		}
	}
	path := filepath.Join(dir, "seed-constraints.txt")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}
