package lockfile

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// This file keeps what Lock prints and returns free of credentials and of
// floods: a backend's output is passed on line by line, redacted, with its
// control characters escaped, long lines left out and its volume capped.

// redactor removes credentials from text: every URL's (Redact), and the
// secrets of the index URLs a run was given wherever they appear, which
// catches a password Redact cannot tell from a path ("/" in it) and a
// backend that prints one decoded or on its own.
type redactor struct {
	secrets []string // longest first
}

// holdsSecret reports whether data holds one of the secrets as it is. A
// secret shorter than 8 bytes, or one of hex digits shorter than 20, is
// not looked for: it could be part of a word or a hash by chance.
func (r *redactor) holdsSecret(data []byte) bool {
	for _, s := range r.secrets {
		if len(s) < 8 || len(s) < 20 && strings.Trim(s, "0123456789abcdefABCDEF") == "" {
			continue
		}
		if bytes.Contains(data, []byte(s)) {
			return true
		}
	}
	return false
}

// newRedactor collects the secrets of urls: user information, password
// (as written and decoded), and the values of credential query
// parameters. ${VAR} references and values shorter than 3 bytes are no
// secrets.
func newRedactor(urls ...string) *redactor {
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= 3 && !onlyVars(s) {
			seen[s] = true
		}
	}
	for _, u := range urls {
		if _, rest, ok := strings.Cut(u, "://"); ok {
			// Up to the last "@" at all: a password may hold a "/".
			if i := strings.LastIndexByte(rest, '@'); i > 0 {
				info := rest[:i]
				add(info)
				if _, pass, ok := strings.Cut(info, ":"); ok {
					add(pass)
					if dec, err := url.PathUnescape(pass); err == nil {
						add(dec)
					}
				} else if dec, err := url.PathUnescape(info); err == nil {
					add(dec)
				}
			}
		}
		for _, m := range secretQueryRE.FindAllStringSubmatch(u, -1) {
			add(m[2])
		}
	}
	r := &redactor{}
	for s := range seen {
		r.secrets = append(r.secrets, s)
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	return r
}

// redact returns s without credentials.
func (r *redactor) redact(s string) string {
	s = Redact(s)
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "****")
	}
	return s
}

// redactedError is an error whose message had credentials removed; it
// unwraps to the original, so that callers still find its type.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactError returns err with credentials removed from its message.
func (r *redactor) redactError(err error) error {
	if err == nil {
		return nil
	}
	if msg := r.redact(err.Error()); msg != err.Error() {
		return &redactedError{err: err, msg: msg}
	}
	return err
}

// The limits of a backend's output on its way to Progress.
const (
	maxProgressLine  = 4 << 10
	maxProgressBytes = 4 << 20
)

// progressWriter passes a backend's output on to w a line at a time:
// redacted, control characters escaped, a line longer than
// maxProgressLine replaced by a note, and nothing past maxProgressBytes
// but one note. Close writes what is left of the last line.
type progressWriter struct {
	mu      sync.Mutex
	w       io.Writer
	r       *redactor
	line    []byte
	long    bool // the current line is too long: skip to its end
	written int
	full    bool
}

func newProgressWriter(w io.Writer, r *redactor) *progressWriter {
	return &progressWriter{w: w, r: r}
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.add(b)
			break
		}
		p.add(b[:i])
		p.flush()
		b = b[i+1:]
	}
	return n, nil // output that cannot be shown must not stop the backend
}

// add appends to the current line, or notes that it is too long.
func (p *progressWriter) add(b []byte) {
	if p.long {
		return
	}
	if len(p.line)+len(b) > maxProgressLine {
		p.long, p.line = true, p.line[:0]
		return
	}
	p.line = append(p.line, b...)
}

// flush ends the current line.
func (p *progressWriter) flush() {
	text := strings.TrimSuffix(string(p.line), "\r")
	if p.long {
		text = fmt.Sprintf("[a line longer than %s, not shown]", sizeText(maxProgressLine))
	} else {
		text = textsafe.Control(p.r.redact(text))
	}
	p.line, p.long = p.line[:0], false
	if p.full {
		return
	}
	if p.written+len(text) > maxProgressBytes {
		p.full = true
		text = fmt.Sprintf("[more than %s of output; the rest is not shown]",
			sizeText(maxProgressBytes))
	}
	p.written += len(text) + 1
	_, _ = io.WriteString(p.w, text+"\n") // progress is best effort
}

// Close writes the last line if it did not end in a line break.
func (p *progressWriter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.line) > 0 || p.long {
		p.flush()
	}
	return nil
}
