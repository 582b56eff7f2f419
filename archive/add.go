package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Outcome is what Add did with one document.
type Outcome string

// The outcomes of Add.
const (
	Added     Outcome = "added"     // stored; new to the release
	Unchanged Outcome = "unchanged" // the same bytes were already stored
	Refused   Outcome = "refused"   // different bytes are stored and --replace was not given
	Replaced  Outcome = "replaced"  // --replace overwrote different bytes; the index records it
)

// Input is one document to add: its bytes and the name errors use.
type Input struct {
	Name string
	Data []byte
}

// AddOptions say what Add stores.
type AddOptions struct {
	Product, Release string
	Files            []Input
	// Replace lets different bytes replace a stored document, and new
	// documents join a published release. The index records each change
	// with its time and the old digest.
	Replace bool
	// Contact, when set, becomes the address the page gives for requests
	// of archived SBOMs (kept in site.json).
	Contact string
}

// FileResult is the outcome for one input document.
type FileResult struct {
	Source       string  `json:"source"` // the input's name
	Path         string  `json:"path"`   // the store key
	Outcome      Outcome `json:"outcome"`
	SHA256       string  `json:"sha256"`
	Size         int64   `json:"size"`
	StoredSHA256 string  `json:"storedSha256,omitempty"` // the digest it differs from
	Reason       string  `json:"reason,omitempty"`       // why it was refused or replaced
}

// RefusedError is returned by Add when some documents differ from what
// the store holds. Nothing was written.
type RefusedError struct {
	Refused []FileResult
}

// Error gives one line per refused document, with the reason.
func (e *RefusedError) Error() string {
	var b strings.Builder
	for i, r := range e.Refused {
		if i > 0 {
			b.WriteString("\n")
		}
		if r.Source != "" {
			fmt.Fprintf(&b, "%s (%s): refused: %s", r.Source, r.Path, r.Reason)
		} else {
			fmt.Fprintf(&b, "%s: refused: %s", r.Path, r.Reason)
		}
	}
	return b.String()
}

// CheckContact reports whether s is a plain email address for the page's
// mailto link.
func CheckContact(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fmt.Errorf("contact %q is not a plain email address", s)
	}
	return nil
}

// Add stores a release's documents under <product>/<release>/ with their
// canonical names, then SHA256SUMS and release.json, then rewrites the index
// files. Every document is read and checked before anything is written; if
// any is refused, Add writes nothing and returns a *RefusedError with the
// results. Adding the same bytes again changes nothing.
func (s *Store) Add(ctx context.Context, opts AddOptions) ([]FileResult, error) {
	docs, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if err := s.checkCase(ctx, opts.Product, opts.Release); err != nil {
		return nil, err
	}
	meta, metaTag, err := s.readMeta(ctx, opts.Product, opts.Release)
	if err != nil {
		return nil, err
	}
	results, plan, err := s.plan(ctx, opts, docs, meta)
	if err != nil {
		return results, err
	}
	if len(plan.writes) > 0 || meta == nil || plan.history != nil {
		if err := s.commit(ctx, opts, meta, metaTag, plan); err != nil {
			return results, err
		}
	}
	if err := s.ensureSite(ctx, opts.Contact); err != nil {
		return results, err
	}
	return results, s.reindex(ctx)
}

// checkCase refuses a product or release name that differs only in case
// from one the store holds. A file store on a case-insensitive file system
// (macOS, Windows), or a web server that serves the store from one, would
// take both for one folder and mix their documents.
func (s *Store) checkCase(ctx context.Context, product, release string) error {
	twin := func(what, name, prefix string) error {
		names, err := s.folders(ctx, prefix)
		if err != nil {
			return err
		}
		for _, n := range names {
			if n != name && strings.EqualFold(n, name) {
				return fmt.Errorf("%s %q differs only in case from the stored %s %q: "+
					"a case-insensitive file system or web server would take them "+
					"for one folder; use %q", what, name, what, n, n)
			}
		}
		return nil
	}
	if err := twin("product", product, ""); err != nil {
		return err
	}
	return twin("release", release, product+"/")
}

// Check reports what Add would refuse before touching the store: bad
// names, a bad contact address, no documents, a file that is not an SBOM,
// two documents of one kind.
func (o AddOptions) Check() error {
	_, err := prepare(o)
	return err
}

// prepare checks names and inputs and detects every document.
func prepare(opts AddOptions) ([]Document, error) {
	if err := CheckName("product", opts.Product); err != nil {
		return nil, err
	}
	if err := CheckName("release", opts.Release); err != nil {
		return nil, err
	}
	if opts.Contact != "" {
		if err := CheckContact(opts.Contact); err != nil {
			return nil, err
		}
	}
	if len(opts.Files) == 0 {
		return nil, errors.New("no documents to add")
	}
	docs := make([]Document, len(opts.Files))
	from := map[string]string{}
	var errs []error
	for i, in := range opts.Files {
		d, err := Detect(in.Name, in.Data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d.Path = docKey(opts.Product, opts.Release, d.Kind())
		if prev, ok := from[d.Path]; ok {
			errs = append(errs, fmt.Errorf("%s and %s are both %s documents; "+
				"a release has one of each kind", prev, in.Name, d.Kind()))
		}
		from[d.Path] = in.Name
		docs[i] = d
	}
	return docs, errors.Join(errs...)
}

// addPlan is what commit writes.
type addPlan struct {
	docs    []Document     // the release's documents after the add
	writes  []pendingWrite // documents to write, in input order
	history []Replacement  // new replace records
	now     time.Time      // the time of this add, for publish and replace records
}

type pendingWrite struct {
	key  string
	data []byte
}

// plan decides each document's outcome against the stored release.
func (s *Store) plan(ctx context.Context, opts AddOptions, docs []Document,
	meta *releaseMeta) ([]FileResult, addPlan, error) {
	p := addPlan{now: s.now().UTC().Truncate(time.Second)}
	stored := map[string]Document{}
	if meta != nil {
		for _, d := range meta.Documents {
			stored[d.Path] = d
		}
	}
	results := make([]FileResult, len(docs))
	var refused []FileResult
	for i, d := range docs {
		r := FileResult{
			Source:  opts.Files[i].Name,
			Path:    d.Path,
			SHA256:  d.SHA256,
			Size:    d.Size,
			Outcome: Added,
		}
		old, published := stored[d.Path]
		switch {
		case published && old.SHA256 == d.SHA256:
			r.Outcome = Unchanged
		case published:
			r.StoredSHA256 = old.SHA256
			r.Outcome, r.Reason = Replaced, fmt.Sprintf("stored sha256 %s, new sha256 %s: "+
				"a published release is immutable; --replace replaces it "+
				"and the index records the change", old.SHA256, d.SHA256)
			p.history = append(p.history, Replacement{Path: d.Path, Time: p.now,
				OldSHA256: old.SHA256, OldSize: old.Size, SHA256: d.SHA256})
		case meta != nil:
			r.Reason = fmt.Sprintf("release %s %s was published without a %s document; "+
				"--replace adds it and the index records the change",
				opts.Product, opts.Release, d.Kind())
			p.history = append(p.history, Replacement{Path: d.Path, Time: p.now, SHA256: d.SHA256})
		default:
			// Not published: an earlier add may have stored it before it
			// was interrupted.
			data, err := s.get(ctx, d.Path)
			if err != nil && !isNotFound(err) {
				return nil, p, err
			}
			if err == nil && digest(data) != d.SHA256 {
				r.StoredSHA256 = digest(data)
				r.Outcome = Replaced
				r.Reason = fmt.Sprintf("stored sha256 %s (from an interrupted add), "+
					"new sha256 %s; --replace replaces it", r.StoredSHA256, d.SHA256)
			}
		}
		if r.Reason != "" && !opts.Replace {
			r.Outcome = Refused
			refused = append(refused, r)
		}
		if r.Outcome != Unchanged {
			p.writes = append(p.writes, pendingWrite{key: d.Path, data: opts.Files[i].Data})
		}
		results[i] = r
	}
	if refused != nil {
		return results, p, &RefusedError{Refused: refused}
	}
	p.docs = mergeDocs(meta, docs)
	if !opts.Replace {
		p.history = nil
	}
	return results, p, nil
}

func mergeDocs(meta *releaseMeta, docs []Document) []Document {
	byPath := map[string]Document{}
	if meta != nil {
		for _, d := range meta.Documents {
			byPath[d.Path] = d
		}
	}
	for _, d := range docs {
		byPath[d.Path] = d
	}
	out := make([]Document, 0, len(byPath))
	for _, d := range byPath {
		out = append(out, d)
	}
	return out
}

// commit writes the documents, SHA256SUMS and release.json, in that order.
func (s *Store) commit(ctx context.Context, opts AddOptions, meta *releaseMeta, metaTag string,
	p addPlan) error {
	for _, w := range p.writes {
		if err := s.putRelease(ctx, w.key, w.data, opts.Replace); err != nil {
			return err
		}
	}
	dir := releaseDir(opts.Product, opts.Release)
	if err := s.putRelease(ctx, dir+sumsName, SHA256SUMS(p.docs), opts.Replace); err != nil {
		return err
	}
	next := releaseMeta{SchemaVersion: IndexSchemaVersion, Product: opts.Product}
	next.Release = Release{
		Release:   opts.Release,
		Published: p.now,
		Documents: p.docs,
	}
	if meta != nil {
		next.Published = meta.Published
		next.Replaced = append(append([]Replacement{}, meta.Replaced...), p.history...)
	}
	sortDocs(next.Documents)
	data, err := marshalJSON(next)
	if err != nil {
		return err
	}
	if meta == nil {
		err = s.put(ctx, dir+releaseJSON, data, precondition{absent: true})
		if errors.Is(err, errConflict) {
			// Another writer published this release meanwhile: fine if it
			// published the same documents.
			other, _, rerr := s.readMeta(ctx, opts.Product, opts.Release)
			if rerr == nil && other != nil && sameDocs(other.Documents, next.Documents) {
				return nil
			}
			return fmt.Errorf("%s: another writer published the release with other documents",
				dir+releaseJSON)
		}
		return err
	}
	return s.put(ctx, dir+releaseJSON, data, precondition{etag: metaTag})
}

// putRelease writes a release object. Without replace it must not exist,
// or hold the same bytes already.
func (s *Store) putRelease(ctx context.Context, key string, data []byte, replace bool) error {
	if replace {
		tag, err := s.etag(ctx, key)
		if err != nil {
			return err
		}
		return s.put(ctx, key, data, precondition{absent: tag == "", etag: tag})
	}
	err := s.put(ctx, key, data, precondition{absent: true})
	if !errors.Is(err, errConflict) {
		return err
	}
	stored, gerr := s.get(ctx, key)
	if gerr != nil {
		return gerr
	}
	if bytes.Equal(stored, data) {
		return nil
	}
	return &RefusedError{Refused: []FileResult{{
		Path:         key,
		Outcome:      Refused,
		SHA256:       digest(data),
		StoredSHA256: digest(stored),
		Reason: fmt.Sprintf("the store holds sha256 %s (from another writer, "+
			"or an interrupted add with other documents), this add has sha256 %s; "+
			"--replace overwrites it", digest(stored), digest(data)),
	}}}
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func sameDocs(a, b []Document) bool {
	if len(a) != len(b) {
		return false
	}
	sortDocs(a)
	sortDocs(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
