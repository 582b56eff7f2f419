package main

import (
	"context"
	"io"
	"io/fs"
	"os"
)

// readInput reads at most limit+1 bytes of the file name, which the
// command line or the environment gave. A named pipe (`<(…)` in a shell)
// is read too; opening one waits for a writer and reading it waits for
// data, so when ctx is done first (an interrupt) both stop and ctx's
// error is returned: an interrupt ends a run that waits on a pipe nobody
// writes.
func readInput(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := openInput(ctx, name)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if !stop() {
		return nil, ctx.Err()
	}
	f.Close()
	return data, err
}

// openInput opens name; a named pipe is opened on another goroutine, so
// that ctx can end the wait for its writer.
func openInput(ctx context.Context, name string) (*os.File, error) {
	if fi, err := os.Stat(name); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		return os.Open(name)
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-ctx.Done():
		// The open ends when a writer comes, or with the process.
		go func() {
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}
