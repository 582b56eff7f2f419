package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Problem is one finding of Verify.
type Problem struct {
	Path    string `json:"path"` // the store key, or a release's folder
	Kind    string `json:"kind"` // see the Problem kinds below
	Message string `json:"message"`
	Warning bool   `json:"warning,omitempty"` // a trace of an interrupted add
}

// Level returns "warning" or "error".
func (p Problem) Level() string {
	if p.Warning {
		return "warning"
	}
	return "error"
}

// The kinds of Problem. Warnings describe the traces of an interrupted add,
// which the next add or Reindex completes; everything else is an error.
const (
	ProblemMissing    = "missing"    // an indexed file is not in the store
	ProblemAltered    = "altered"    // wrong size or SHA-256
	ProblemUnlisted   = "unlisted"   // a file nothing lists
	ProblemIndex      = "index"      // index files that disagree with the store
	ProblemMetadata   = "metadata"   // a release.json that cannot be read
	ProblemSymlink    = "symlink"    // a link or special file in a file store
	ProblemPending    = "pending"    // warning: stored and complete, not yet indexed
	ProblemIncomplete = "incomplete" // warning: documents of an add that never finished
	ProblemLeftover   = "leftover"   // warning: a temporary file of a killed writer
)

// Report is the result of Verify.
type Report struct {
	Releases  int       `json:"releases"`  // the releases the index lists
	Documents int       `json:"documents"` // the documents checked, pending ones too
	Problems  []Problem `json:"problems"`
	Errors    int       `json:"errors"`   // the problems that are not warnings
	Warnings  int       `json:"warnings"` // the problems that are
}

func (r *Report) add(p Problem) {
	r.Problems = append(r.Problems, p)
	if p.Warning {
		r.Warnings++
	} else {
		r.Errors++
	}
}

// Verify checks the store against its index: every indexed document is
// present with its size and SHA-256, each release's SHA256SUMS and
// release.json agree with it, no file is unlisted, and the index files are
// what the store renders. On a file store it holds the shared lock, so it
// never sees a writer's work half done.
func (s *Store) Verify(ctx context.Context) (*Report, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()

	rep := &Report{Problems: []Problem{}}
	objs, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	sizes := map[string]int64{}
	for _, o := range objs {
		sizes[o.key] = o.size
	}
	covered := map[string]bool{lockName: true, siteJSON: true}
	for _, name := range []string{indexJSON, indexHTML, feedXML, styleCSS, faviconSVG} {
		covered[name] = true
	}

	metas, err := s.verifyMetas(ctx, objs, rep)
	if err != nil {
		return nil, err
	}
	ix, err := s.readIndex(ctx, rep)
	if err != nil {
		return nil, err
	}
	indexed := map[string]bool{}
	for _, p := range ix.Products {
		for _, r := range p.Releases {
			dir := releaseDir(p.Name, r.Release)
			indexed[dir] = true
			rep.Releases++
			m, ok := metas[dir]
			if !ok {
				rep.add(Problem{Path: dir + releaseJSON, Kind: ProblemMissing,
					Message: fmt.Sprintf("index.json lists %s %s but its release.json is missing",
						p.Name, r.Release)})
			} else if !sameRelease(m.Release, r) {
				msg := fmt.Sprintf("index.json's entry for %s %s differs from its release.json",
					p.Name, r.Release)
				if !recordsReplacement(r, m.Release) {
					msg += ", which records no replacement: it was changed after it was " +
						"published, and index updates refuse it"
				}
				rep.add(Problem{Path: dir + releaseJSON, Kind: ProblemIndex, Message: msg})
			}
			if err := s.checkRelease(ctx, dir, r.Documents, sizes, covered, rep); err != nil {
				return nil, err
			}
		}
	}
	for _, dir := range sortedKeys(metas) {
		if indexed[dir] {
			continue
		}
		rep.add(Problem{Path: dir, Kind: ProblemPending, Warning: true,
			Message: "stored but not yet in the index (an interrupted add?); " +
				"the next add, or archive index, publishes it"})
		if err := s.checkRelease(ctx, dir, metas[dir].Documents, sizes, covered, rep); err != nil {
			return nil, err
		}
	}
	s.checkUnlisted(objs, metas, covered, rep)
	if err := s.checkIndexFiles(ctx, metas, indexed, rep); err != nil {
		return nil, err
	}
	if s.dir != "" {
		if err := s.checkLinks(rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// verifyMetas reads every release.json, by release folder, reporting
// those that cannot be read.
func (s *Store) verifyMetas(ctx context.Context, objs []object,
	rep *Report) (map[string]releaseMeta, error) {
	metas := map[string]releaseMeta{}
	for _, o := range objs {
		if !strings.HasSuffix(o.key, "/"+releaseJSON) || strings.Count(o.key, "/") != 2 {
			continue
		}
		data, err := s.get(ctx, o.key)
		if err != nil {
			return nil, err
		}
		m, err := parseMeta(o.key, data)
		if err != nil {
			rep.add(Problem{Path: o.key, Kind: ProblemMetadata, Message: err.Error()})
			continue
		}
		metas[releaseDir(m.Product, m.Release.Release)] = *m
	}
	return metas, nil
}

// readIndex reads index.json; an absent one is an empty index, and an
// unreadable one is reported and treated as empty.
func (s *Store) readIndex(ctx context.Context, rep *Report) (*Index, error) {
	data, err := s.get(ctx, indexJSON)
	if isNotFound(err) {
		return &Index{}, nil
	}
	if err != nil {
		return nil, err
	}
	ix, err := ParseIndex(indexJSON, data)
	if err != nil {
		rep.add(Problem{Path: indexJSON, Kind: ProblemIndex, Message: err.Error()})
		return &Index{}, nil
	}
	return ix, nil
}

// checkRelease checks a release's documents and SHA256SUMS.
func (s *Store) checkRelease(ctx context.Context, dir string, docs []Document,
	sizes map[string]int64, covered map[string]bool, rep *Report) error {
	covered[dir+releaseJSON] = true
	covered[dir+sumsName] = true
	for _, d := range docs {
		covered[d.Path] = true
		rep.Documents++
		size, ok := sizes[d.Path]
		if !ok {
			rep.add(Problem{Path: d.Path, Kind: ProblemMissing,
				Message: "listed in the index but not in the store"})
			continue
		}
		if size != d.Size {
			rep.add(Problem{Path: d.Path, Kind: ProblemAltered,
				Message: fmt.Sprintf("size %d, the index says %d", size, d.Size)})
			continue
		}
		sum, err := s.hash(ctx, d.Path)
		if err != nil {
			return err
		}
		if sum != d.SHA256 {
			rep.add(Problem{Path: d.Path, Kind: ProblemAltered,
				Message: fmt.Sprintf("sha256 %s, the index says %s", sum, d.SHA256)})
		}
	}
	sums, err := s.get(ctx, dir+sumsName)
	switch {
	case isNotFound(err):
		rep.add(Problem{Path: dir + sumsName, Kind: ProblemMissing,
			Message: "the release has no SHA256SUMS"})
	case err != nil:
		return err
	case !bytes.Equal(sums, SHA256SUMS(docs)):
		rep.add(Problem{Path: dir + sumsName, Kind: ProblemAltered,
			Message: "does not match the index's digests"})
	}
	return nil
}

func (s *Store) hash(ctx context.Context, key string) (string, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return "", fmt.Errorf("reading %s: %v", key, err)
	}
	defer r.Close()
	h := sha256.New()
	// Not io.Copy: blob.Reader's WriteTo allocates 1 MiB for each call.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{r}, make([]byte, 32<<10)); err != nil {
		return "", fmt.Errorf("reading %s: %v", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkUnlisted reports every object nothing accounts for.
func (s *Store) checkUnlisted(objs []object, metas map[string]releaseMeta,
	covered map[string]bool, rep *Report) {
	incomplete := map[string]int{}
	for _, o := range objs {
		switch {
		case covered[o.key]:
		case isTempKey(o.key):
			rep.add(Problem{Path: o.key, Kind: ProblemLeftover, Warning: true,
				Message: "temporary file of an interrupted write; the next add removes it"})
		case strings.Count(o.key, "/") == 2 && isReleaseFile(o.key):
			dir := o.key[:strings.LastIndexByte(o.key, '/')+1]
			if _, published := metas[dir]; !published {
				incomplete[dir]++
				continue
			}
			fallthrough
		default:
			rep.add(Problem{Path: o.key, Kind: ProblemUnlisted,
				Message: "in the store but listed nowhere"})
		}
	}
	for _, dir := range sortedKeys(incomplete) {
		rep.add(Problem{Path: dir, Kind: ProblemIncomplete, Warning: true,
			Message: fmt.Sprintf("%d files of an add that did not finish; "+
				"they are not published; run the same add again to finish it",
				incomplete[dir])})
	}
}

// isReleaseFile reports whether key names a document or SHA256SUMS of the
// release folder it is in.
func isReleaseFile(key string) bool {
	parts := strings.Split(key, "/")
	if CheckName("product", parts[0]) != nil || CheckName("release", parts[1]) != nil {
		return false
	}
	if parts[2] == sumsName {
		return true
	}
	for k := CycloneDXJSON; k.valid(); k++ {
		if key == docKey(parts[0], parts[1], k) {
			return true
		}
	}
	return false
}

// checkIndexFiles compares the index files with what the store renders.
// index.json is written last, so it lists exactly the releases of the last
// completed index update (the others are pending). index.html and feed.xml
// are written just before it, so an interrupted update may leave them
// showing some pending releases too: each must be exactly what the store
// renders for the published releases plus the pending ones it shows.
func (s *Store) checkIndexFiles(ctx context.Context, metas map[string]releaseMeta,
	indexed map[string]bool, rep *Report) error {
	st, err := s.readSite(ctx)
	if err != nil {
		return err
	}
	render := func(shown map[string]bool) (map[string][]byte, error) {
		var ms []releaseMeta
		for _, dir := range sortedKeys(metas) {
			if shown[dir] {
				ms = append(ms, metas[dir])
			}
		}
		files, err := renderAll(buildIndex(ms), st)
		out := map[string][]byte{}
		for _, f := range files {
			out[f.name] = f.data
		}
		return out, err
	}
	published, err := render(indexed)
	if err != nil {
		return err
	}
	j, err := s.get(ctx, indexJSON)
	switch {
	case isNotFound(err):
		// Nothing published yet; stored releases are reported as pending.
	case err != nil:
		return err
	case !bytes.Equal(j, published[indexJSON]):
		rep.add(Problem{Path: indexJSON, Kind: ProblemIndex,
			Message: "does not match the store's release.json files; " +
				"archive index rewrites it from the store, unless a release.json " +
				"changed after it was published"})
	}
	for _, name := range []string{indexHTML, feedXML, styleCSS, faviconSVG} {
		data, err := s.get(ctx, name)
		if isNotFound(err) {
			if len(indexed) > 0 {
				rep.add(Problem{Path: name, Kind: ProblemMissing,
					Message: "the store has no " + name})
			}
			continue
		}
		if err != nil {
			return err
		}
		want := published[name]
		if shown := releasesShown(data, metas, indexed); len(shown) > len(indexed) {
			files, err := render(shown)
			if err != nil {
				return err
			}
			want = files[name]
		}
		if !bytes.Equal(data, want) {
			rep.add(Problem{Path: name, Kind: ProblemIndex,
				Message: "does not match the store; archive index rewrites it from the store"})
		}
	}
	return nil
}

var releaseLinkRE = regexp.MustCompile(
	`href="([A-Za-z0-9][A-Za-z0-9._+-]*/[A-Za-z0-9][A-Za-z0-9._+-]*/)`)

// releasesShown returns the published releases plus the stored ones that
// a page or feed links to.
func releasesShown(data []byte, metas map[string]releaseMeta,
	indexed map[string]bool) map[string]bool {
	shown := maps.Clone(indexed)
	for _, m := range releaseLinkRE.FindAllSubmatch(data, -1) {
		if _, stored := metas[string(m[1])]; stored {
			shown[string(m[1])] = true
		}
	}
	return shown
}

// checkLinks reports symbolic links and special files in a file store:
// the store's own writers never make them, and serve refuses them.
func (s *Store) checkLinks(rep *Report) error {
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(s.dir, path)
		rep.add(Problem{Path: filepath.ToSlash(rel), Kind: ProblemSymlink,
			Message: "a symbolic link or special file; the store holds regular files only"})
		return nil
	})
}

// sameRelease reports whether two index entries say the same.
func sameRelease(a, b Release) bool {
	ja, err1 := marshalJSON(a)
	jb, err2 := marshalJSON(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
