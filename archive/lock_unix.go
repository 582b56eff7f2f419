//go:build unix

package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lock takes the store's lock: on a file store an flock on .sbompipe.lock
// in its folder, exclusive for writers and shared for readers. The kernel
// drops it when the process dies, so a killed writer never blocks the next.
// Object stores need no lock (their writes are conditional) and get a no-op.
// Waiting ends with ctx.
func (s *Store) lock(ctx context.Context, exclusive bool) (unlock func(), err error) {
	if s.dir == "" {
		return func() {}, nil
	}
	path := filepath.Join(s.dir, lockName)
	flag, how := os.O_RDWR|os.O_CREATE, syscall.LOCK_EX
	if !exclusive {
		flag, how = os.O_RDONLY, syscall.LOCK_SH
	}
	f, err := os.OpenFile(path, flag, 0o666)
	if !exclusive && errors.Is(err, os.ErrNotExist) {
		return func() {}, nil // no writer has ever run here
	}
	if err != nil {
		return nil, fmt.Errorf("locking store: %v", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking store: %v", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the store lock: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
