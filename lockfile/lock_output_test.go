package lockfile

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProgressWriter(t *testing.T) {
	var out strings.Builder
	p := newProgressWriter(&out, newRedactor("https://ci:s3/cr%2Fet@pypi.example/simple"))
	for _, chunk := range []string{
		"Looking in indexes: https://user:p@ss@other.example/simple\n",
		"the password s3/cr%2Fet, decoded s3/cr/et, in ",
		"pieces\r\n\x1b[31mred\x1b[0m\n",
		strings.Repeat("x", maxProgressLine+1) + "\n",
		"last line without a newline",
	} {
		if _, err := p.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	want := "Looking in indexes: https://other.example/simple\n" +
		"the password ****, decoded ****, in pieces\n" +
		`\x1b[31mred\x1b[0m` + "\n" +
		"[a line longer than 4 KiB, not shown]\n" +
		"last line without a newline\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// TestLockOutputIsRedactedAndBounded: what a backend prints reaches
// Progress without credentials (even a password with "/" in it, which no
// pattern can find) or escape sequences, and at most maxProgressBytes of
// it; the error quoting its end is redacted too.
func TestLockOutputIsRedactedAndBounded(t *testing.T) {
	const secret = "s3/cr@et"
	for _, mode := range []string{"echo", "flood"} {
		t.Run(mode, func(t *testing.T) {
			r := withStandIn(t, "pip-compile", mode)
			r.opts.IndexURL = "https://ci:" + secret + "@pypi.example/simple"
			r.opts.Env = append(r.opts.Env, "STANDIN_SECRET=ci:"+secret)
			r.opts.Command = "sbompipe lock --index-url=" + r.opts.IndexURL
			var progress strings.Builder
			r.opts.Progress = &progress
			_, err := Lock(context.Background(), r.opts)
			if err == nil {
				t.Fatal("Lock succeeded")
			}
			for what, text := range map[string]string{
				"progress": progress.String(),
				"error":    err.Error(),
			} {
				for _, bad := range []string{"s3/cr", "cr@et", "\x1b", "\x07"} {
					if strings.Contains(text, bad) {
						t.Errorf("%s holds %q", what, bad)
					}
				}
			}
			if n := progress.Len(); n > maxProgressBytes+200 {
				t.Errorf("progress is %d bytes, want at most about %d", n, maxProgressBytes)
			}
			want := "asked: --index-url\nasked: https://****@pypi.example/simple\n"
			if mode == "flood" {
				want = "[more than 4 MiB of output; the rest is not shown]\n"
			}
			if !strings.Contains(progress.String(), want) {
				t.Errorf("progress lacks %q; it ends:\n%s", want, tail(progress.String()))
			}
			assertUnchanged(t, r.opts.Out, oldLock)
		})
	}
}

func tail(s string) string {
	if len(s) > 500 {
		return "…" + s[len(s)-500:]
	}
	return s
}
