package archive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// with blob.OpenBucket
	"gocloud.dev/gcerrors"

	"github.com/sentrikat/sbompipe/internal/newfile"
)

// DefaultStore is the store URL used when none is given.
const DefaultStore = "file://./sbom-archive"

// Store is an opened archive.
type Store struct {
	bucket *blob.Bucket
	url    string
	dir    string // the folder of a file store; "" for object stores
	now    func() time.Time
}

// Options configure Open. The zero value opens an existing store.
type Options struct {
	// Create makes the folder of a file store when it does not exist.
	Create bool
	// Now is the clock for publish and replace times; nil means time.Now.
	Now func() time.Time
}

// Open opens the store at rawURL: file://./dir, file:///abs/dir, a plain
// folder path, or s3://bucket?region=…[&endpoint=…&use_path_style=true].
// Credentials for S3 come from the AWS environment, never from the URL.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	s := &Store{url: rawURL, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if !strings.Contains(rawURL, "://") {
		return s.openDir(rawURL, opts.Create)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store URL: %v", err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("store URL %s: credentials do not belong in the URL; "+
			"use the AWS environment", u.Redacted())
	}
	switch u.Scheme {
	case "file":
		if len(u.Query()) > 0 {
			return nil, fmt.Errorf("store URL %s: file stores take no parameters", rawURL)
		}
		dir := u.Path
		switch u.Host {
		case "", "localhost":
		case ".":
			dir = "." + u.Path
		default:
			return nil, fmt.Errorf("store URL %s: want file://./relative/dir or "+
				"file:///absolute/dir", rawURL)
		}
		return s.openDir(dir, opts.Create)
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("store URL %s: no bucket name", rawURL)
		}
		s.bucket, err = blob.OpenBucket(ctx, rawURL)
		if err != nil {
			return nil, fmt.Errorf("opening store %s: %v", rawURL, err)
		}
		// A bucket that does not exist (or that these credentials cannot
		// see) is an unusable store, as a missing folder is.
		ok, err := s.bucket.IsAccessible(ctx)
		if err == nil && !ok {
			err = errors.New("the bucket does not exist or is not accessible")
		}
		if err != nil {
			s.bucket.Close()
			return nil, fmt.Errorf("opening store %s: %v", rawURL, err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("store URL %s: scheme %q is not supported; use file:// or s3://",
		rawURL, u.Scheme)
}

// openDir opens a file store at its real folder, with symbolic links on the
// way resolved. Temporary files go next to their final names so that the
// rename never crosses file systems, and no attribute sidecar files are
// written.
func (s *Store) openDir(dir string, create bool) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store folder is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", dir, err)
	}
	if create {
		if err := os.MkdirAll(abs, 0o777); err != nil {
			return nil, fmt.Errorf("creating store: %v", err)
		}
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("store %s is not a folder", dir)
	}
	// A store folder reached through a symbolic link is the folder it
	// points to: listing does not descend into a root that is a link, so
	// the store would look empty.
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("store %s: %v", dir, err)
	}
	s.dir = abs
	s.bucket, err = fileblob.OpenBucket(abs, &fileblob.Options{
		NoTempDir: true,
		Metadata:  fileblob.MetadataDontWrite,
	})
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %v", dir, err)
	}
	return s, nil
}

// Close releases the store's connections.
func (s *Store) Close() error { return s.bucket.Close() }

// String returns the URL the store was opened with.
func (s *Store) String() string { return s.url }

// errConflict reports that a conditional write lost a race: the object
// exists (If-None-Match) or changed (If-Match).
var errConflict = errors.New("the object changed meanwhile")

// precondition is the condition of a write.
type precondition struct {
	absent bool   // If-None-Match: *
	etag   string // If-Match, on object stores
}

// put writes data to key as one whole object. On a file store the
// temporary file is synced before fileblob renames it into place, and the
// folders up to the root are synced after; the caller holds the lock, which
// is what makes the precondition hold there.
func (s *Store) put(ctx context.Context, key string, data []byte, pre precondition) error {
	var tmp *os.File
	opts := &blob.WriterOptions{
		ContentType: contentType(key, ""),
		IfNotExist:  pre.absent,
		BeforeWrite: func(as func(any) bool) error {
			as(&tmp)
			var in *transfermanager.UploadObjectInput
			if pre.etag != "" && as(&in) {
				in.IfMatch = &pre.etag
			}
			return nil
		},
	}
	w, err := s.bucket.NewWriter(ctx, key, opts)
	if err != nil {
		return writeError(key, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return writeError(key, err)
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			w.Close()
			return fmt.Errorf("writing %s: %v", key, err)
		}
	}
	if err := w.Close(); err != nil {
		return writeError(key, err)
	}
	if s.dir != "" {
		return s.syncDirs(key)
	}
	return nil
}

func writeError(key string, err error) error {
	if isConflict(err) {
		return fmt.Errorf("writing %s: %w", key, errConflict)
	}
	return fmt.Errorf("writing %s: %v", key, err)
}

// isConflict reports whether err is a failed write precondition: S3's 412,
// or 409 ConditionalRequestConflict when two conditional writes race.
func isConflict(err error) bool {
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ConditionalRequestConflict"
}

// syncDirs fsyncs the folders from key's up to the store root, so that a
// rename and any folder it needed survive a crash.
func (s *Store) syncDirs(key string) error {
	dir := filepath.Dir(filepath.Join(s.dir, filepath.FromSlash(key)))
	for {
		if err := newfile.SyncDir(dir); err != nil {
			return fmt.Errorf("writing %s: %v", key, err)
		}
		if dir == s.dir || len(dir) <= len(s.dir) {
			return nil
		}
		dir = filepath.Dir(dir)
	}
}

// get reads a whole object. A missing object is an error matching
// isNotFound.
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	data, err := s.bucket.ReadAll(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	return data, nil
}

func isNotFound(err error) bool {
	return gcerrors.Code(err) == gcerrors.NotFound
}

// etag returns the ETag of key, or "" and no error when it is absent.
func (s *Store) etag(ctx context.Context, key string) (string, error) {
	attrs, err := s.bucket.Attributes(ctx, key)
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %v", key, err)
	}
	return attrs.ETag, nil
}

// object is one listed key with its size.
type object struct {
	key  string
	size int64
}

// listPageSize is the page size asked for when listing. fileblob walks the
// whole folder for every page, so one large page is much faster there;
// S3 returns at most 1,000 keys a page whatever is asked.
const listPageSize = 1 << 20

// list returns every object of the store, in key order.
func (s *Store) list(ctx context.Context) ([]object, error) {
	var objs []object
	err := s.listPages(ctx, nil, func(o *blob.ListObject) {
		objs = append(objs, object{key: o.Key, size: o.Size})
	})
	return objs, err
}

// listPages calls f with every object the store lists with opts, page
// after page.
func (s *Store) listPages(ctx context.Context, opts *blob.ListOptions,
	f func(*blob.ListObject)) error {
	token := blob.FirstPageToken
	for {
		page, next, err := s.bucket.ListPage(ctx, token, listPageSize, opts)
		if err != nil {
			return fmt.Errorf("listing %s: %v", s.url, err)
		}
		for _, o := range page {
			f(o)
		}
		if len(next) == 0 {
			return nil
		}
		token = next
	}
}

// folders returns the names of the folders directly below prefix ("" for
// the root, else "product/"): a file store's entries that are folders, an
// object store's common prefixes. A prefix that holds nothing gives none.
func (s *Store) folders(ctx context.Context, prefix string) ([]string, error) {
	if s.dir != "" {
		// One readdir: fileblob would walk into every folder to find a file.
		entries, err := os.ReadDir(filepath.Join(s.dir, filepath.FromSlash(prefix)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s: %v", s.url, err)
		}
		var names []string
		for _, e := range entries {
			if e.IsDir() {
				names = append(names, e.Name())
			}
		}
		return names, nil
	}
	var names []string
	err := s.listPages(ctx, &blob.ListOptions{Prefix: prefix, Delimiter: "/"},
		func(o *blob.ListObject) {
			if o.IsDir {
				names = append(names, strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), "/"))
			}
		})
	return names, err
}

// contentType returns the media type a key is stored and served with;
// specVersion adds CycloneDX's version parameter when known.
func contentType(key, specVersion string) string {
	name := key[strings.LastIndexByte(key, '/')+1:]
	switch {
	case strings.HasSuffix(name, ".cdx.json"), strings.HasSuffix(name, ".cdx.xml"):
		t := CycloneDXJSON.MediaType()
		if strings.HasSuffix(name, ".xml") {
			t = CycloneDXXML.MediaType()
		}
		if specVersion != "" {
			t += "; version=" + specVersion
		}
		return t
	case strings.HasSuffix(name, ".spdx.json"):
		return SPDXJSON.MediaType()
	case strings.HasSuffix(name, ".spdx"):
		return SPDXTagValue.MediaType() + "; charset=utf-8"
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	case name == indexHTML:
		return "text/html; charset=utf-8"
	case name == feedXML:
		return "application/atom+xml"
	case name == styleCSS:
		return "text/css; charset=utf-8"
	case name == faviconSVG:
		return "image/svg+xml"
	}
	return "text/plain; charset=utf-8"
}

// Location returns where a store key is, for people and step outputs: a
// path for a file store, s3://bucket/key for object storage.
func (s *Store) Location(key string) string {
	if s.dir != "" {
		return filepath.Join(s.dir, filepath.FromSlash(key))
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return s.url + " " + key
	}
	return u.Scheme + "://" + u.Host + "/" + key
}
