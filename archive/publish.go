package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// maxReindexAttempts bounds the retries of an index update that lost a
// race with another writer on an object store.
const maxReindexAttempts = 20

// Reindex rewrites the index files from the store: index.json, index.html,
// feed.xml, sbom.css and favicon.svg. Files whose bytes would not change are
// not written. It also removes temporary files that killed writers left in
// a file store.
func (s *Store) Reindex(ctx context.Context) error {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.ensureSite(ctx, ""); err != nil {
		return err
	}
	return s.reindex(ctx)
}

// reindex is Reindex with the lock held. index.json is written last and,
// on object stores, only if its ETag is still the one seen before the store
// was listed: a writer that loses the race lists again and retries, so the
// last index written covers every release stored before it.
func (s *Store) reindex(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		tag, err := s.etag(ctx, indexJSON)
		if err != nil {
			return err
		}
		ix, files, err := s.render(ctx, true)
		if err != nil {
			return err
		}
		if err := s.keepsReleases(ctx, ix); err != nil {
			return err
		}
		for _, f := range files[:len(files)-1] {
			if err := s.putIfChanged(ctx, f.name, f.data, precondition{}); err != nil {
				return err
			}
		}
		last := files[len(files)-1]
		err = s.putIfChanged(ctx, last.name, last.data, precondition{absent: tag == "", etag: tag})
		if !errors.Is(err, errConflict) || attempt == maxReindexAttempts {
			return err
		}
		// Back off with jitter so that racing writers spread out.
		d := time.Duration(attempt*attempt) * 5 * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d + rand.N(d)):
		}
	}
}

// putIfChanged writes data unless key already holds exactly those bytes.
func (s *Store) putIfChanged(ctx context.Context, key string, data []byte,
	pre precondition) error {
	old, err := s.get(ctx, key)
	if err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err != nil && !isNotFound(err) {
		return err
	}
	return s.put(ctx, key, data, pre)
}

// namedFile is one rendered index file.
type namedFile struct {
	name string
	data []byte
}

// maxNamedMissing bounds the releases an error names.
const maxNamedMissing = 5

// keepsReleases refuses an index that would hide or rewrite what the
// published index.json says:
//
//   - a release it names that the store no longer lists. Releases are never
//     removed, so a store that lists fewer was not read whole (a folder
//     that is a symbolic link, files it may not read), and publishing would
//     hide releases from every reader;
//   - a release whose release.json now says otherwise, with no replacement
//     recorded. A published release is immutable and --replace records
//     what it changes, so such a release.json was changed behind
//     sbompipe's back, and publishing it would pass the change off as the
//     release;
//   - an index.json that cannot be read: the two checks above need it.
//
// Deleting index.json, then running archive index, accepts the store as
// it is.
func (s *Store) keepsReleases(ctx context.Context, next *Index) error {
	data, err := s.get(ctx, indexJSON)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cur, err := ParseIndex(indexJSON, data)
	if err != nil {
		return fmt.Errorf("updating %s: %v; the index files were left unchanged\n\n%s",
			indexJSON, err, unreadableDetail)
	}
	have := map[string]*Release{}
	for _, p := range next.Products {
		for i, r := range p.Releases {
			have[releaseDir(p.Name, r.Release)] = &p.Releases[i]
		}
	}
	var missing, changed []string
	for _, p := range cur.Products {
		for _, r := range p.Releases {
			n := have[releaseDir(p.Name, r.Release)]
			switch {
			case n == nil:
				missing = append(missing, p.Name+" "+r.Release)
			case !sameRelease(r, *n) && !recordsReplacement(r, *n):
				changed = append(changed, p.Name+" "+r.Release)
			}
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("updating %s: the store does not list %s, which it publishes; "+
			"the index files were left unchanged\n\n%s", indexJSON, nameSome(missing), droppedDetail)
	case len(changed) > 0:
		return fmt.Errorf("updating %s: the release.json of %s differs from what it publishes, "+
			"and records no replacement; the index files were left unchanged\n\n%s",
			indexJSON, nameSome(changed), changedDetail)
	}
	return nil
}

// nameSome joins the first maxNamedMissing of names, and says how many
// more there are.
func nameSome(names []string) string {
	named := strings.Join(names[:min(len(names), maxNamedMissing)], ", ")
	if len(names) > maxNamedMissing {
		named += fmt.Sprintf(" and %d more", len(names)-maxNamedMissing)
	}
	return named
}

// recordsReplacement reports whether next is published with more
// replacements recorded than it had: those it had, as they were, then
// new ones, as --replace writes them.
func recordsReplacement(published, next Release) bool {
	if len(next.Replaced) <= len(published.Replaced) {
		return false
	}
	for i, r := range published.Replaced {
		x, errA := marshalJSON(r)
		y, errB := marshalJSON(next.Replaced[i])
		if errA != nil || errB != nil || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}

const droppedDetail = `Releases are never removed from an archive, so the store was not read
whole: a folder in it may be a symbolic link (archive verify reports them)
or unreadable. To drop those releases on purpose, delete index.json, then
run archive index.`

const changedDetail = `A published release is immutable, and --replace records what it
changes; this release.json was changed otherwise. archive verify shows
what differs. To publish the store as it is on purpose, delete index.json,
then run archive index.`

const unreadableDetail = `The published index names the releases an update must keep and what
they hold. To rebuild it from the store on purpose, delete index.json,
then run archive index.`

// render builds the index files from the store alone, index.json last,
// and the index they show. With clean, temporary files left by killed
// writers are removed (the caller holds the write lock).
func (s *Store) render(ctx context.Context, clean bool) (*Index, []namedFile, error) {
	objs, err := s.list(ctx)
	if err != nil {
		return nil, nil, err
	}
	var metaKeys []string
	for _, o := range objs {
		switch {
		case clean && s.dir != "" && isTempKey(o.key):
			if err := s.bucket.Delete(ctx, o.key); err != nil && !isNotFound(err) {
				return nil, nil, fmt.Errorf("removing %s: %v", o.key, err)
			}
		case strings.HasSuffix(o.key, "/"+releaseJSON) && strings.Count(o.key, "/") == 2:
			metaKeys = append(metaKeys, o.key)
		}
	}
	metas, err := s.readMetas(ctx, metaKeys)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.readSite(ctx)
	if err != nil {
		return nil, nil, err
	}
	ix := buildIndex(metas)
	files, err := renderAll(ix, st)
	return ix, files, err
}

// renderAll renders the index files of ix, index.json last.
func renderAll(ix *Index, st *site) ([]namedFile, error) {
	j, err := MarshalIndex(ix)
	if err != nil {
		return nil, err
	}
	h, err := renderHTML(ix, st)
	if err != nil {
		return nil, err
	}
	f, err := renderFeed(ix, st)
	if err != nil {
		return nil, err
	}
	return []namedFile{
		{styleCSS, styleSheet},
		{faviconSVG, favicon},
		{indexHTML, h},
		{feedXML, f},
		{indexJSON, j},
	}, nil
}

// readMeta reads a release's release.json and its ETag; nil when the
// release has not been published.
func (s *Store) readMeta(ctx context.Context,
	product, release string) (*releaseMeta, string, error) {
	key := releaseDir(product, release) + releaseJSON
	tag, err := s.etag(ctx, key)
	if err != nil || tag == "" {
		return nil, "", err
	}
	data, err := s.get(ctx, key)
	if err != nil {
		return nil, "", err
	}
	m, err := parseMeta(key, data)
	return m, tag, err
}

// parseMeta decodes a release.json and checks it against its key.
func parseMeta(key string, data []byte) (*releaseMeta, error) {
	var m releaseMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, jsonErrorAs(key, "not a release.json", data, err)
	}
	if m.SchemaVersion != IndexSchemaVersion {
		return nil, fmt.Errorf("%s: schemaVersion %d, want %d",
			key, m.SchemaVersion, IndexSchemaVersion)
	}
	if releaseDir(m.Product, m.Release.Release)+releaseJSON != key {
		return nil, fmt.Errorf("%s: names product %q release %q, which belong elsewhere",
			key, m.Product, m.Release.Release)
	}
	for _, d := range m.Documents {
		if err := checkDocument(m.Product, m.Release.Release, d); err != nil {
			return nil, fmt.Errorf("%s: %v", key, err)
		}
	}
	m.Published = m.Published.UTC().Truncate(time.Second)
	for i := range m.Replaced {
		m.Replaced[i].Time = m.Replaced[i].Time.UTC().Truncate(time.Second)
	}
	return &m, nil
}

// readMetas reads release.json files, a few at a time for object stores.
func (s *Store) readMetas(ctx context.Context, keys []string) ([]releaseMeta, error) {
	metas := make([]releaseMeta, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, key := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			data, err := s.get(ctx, key)
			if err != nil {
				errs[i] = err
				return
			}
			m, err := parseMeta(key, data)
			if err != nil {
				errs[i] = err
				return
			}
			metas[i] = *m
		}()
	}
	wg.Wait()
	return metas, errors.Join(errs...)
}

// readSite reads site.json; an absent one gives the zero site.
func (s *Store) readSite(ctx context.Context) (*site, error) {
	data, err := s.get(ctx, siteJSON)
	if isNotFound(err) {
		return &site{}, nil
	}
	if err != nil {
		return nil, err
	}
	var st site
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, jsonErrorAs(siteJSON, "not the archive's site.json", data, err)
	}
	return &st, nil
}

// ensureSite creates site.json with a fresh feed id when the store has
// none, and sets its contact when contact is not empty.
func (s *Store) ensureSite(ctx context.Context, contact string) error {
	st, err := s.readSite(ctx)
	if err != nil {
		return err
	}
	if st.FeedID != "" && (contact == "" || contact == st.Contact) {
		return nil
	}
	created := st.FeedID == ""
	if created {
		st.SchemaVersion = IndexSchemaVersion
		st.FeedID = "urn:uuid:" + uuid.New().String()
	}
	if contact != "" {
		st.Contact = contact
	}
	data, err := marshalJSON(st)
	if err != nil {
		return err
	}
	err = s.put(ctx, siteJSON, data, precondition{absent: created})
	if created && errors.Is(err, errConflict) {
		return s.ensureSite(ctx, contact) // another writer created it first
	}
	return err
}

// SetContact sets the email address the page offers for requests of
// archived SBOMs. The index files change on the next Reindex or Add.
func (s *Store) SetContact(ctx context.Context, contact string) error {
	if err := CheckContact(contact); err != nil {
		return err
	}
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	return s.ensureSite(ctx, contact)
}

// Index reads the store's published index.json; a store without one has
// an empty index.
func (s *Store) Index(ctx context.Context) (*Index, error) {
	data, err := s.get(ctx, indexJSON)
	if isNotFound(err) {
		return &Index{SchemaVersion: IndexSchemaVersion, Products: []Product{}}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseIndex(indexJSON, data)
}
