package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe is read, and an interrupt ends the wait for a writer that
// never comes, or for data it never sends (an attack left archive add and
// --config waiting on a pipe for ever, deaf to SIGTERM).
func TestReadInputPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			w.WriteString("hello")
			w.Close()
		}
	}()
	if data, err := readInput(context.Background(), fifo, 100); err != nil || string(data) != "hello" {
		t.Errorf("read %q, %v; want hello", data, err)
	}

	for _, writer := range []bool{false, true} {
		if writer { // opens the pipe, then sends nothing
			go func() {
				if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					time.Sleep(5 * time.Second)
					w.Close()
				}
			}()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		_, err := readInput(ctx, fifo, 100)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
			t.Errorf("writer %v: %v after %v; want the context's error at once", writer, err, time.Since(start))
		}
	}
}
