//go:build !unix

package archive

import "context"

// lock is a no-op where flock is missing.
// TODO(#4): lock file stores on Windows (LockFileEx); until then two
// writers at once on one folder store can lose an index update there.
func (s *Store) lock(ctx context.Context, exclusive bool) (unlock func(), err error) {
	return func() {}, nil
}
