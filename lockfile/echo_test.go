package lockfile

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("é", maxEcho+10)
	if got := clip(long); got != strings.Repeat("é", maxEcho)+"…" {
		t.Errorf("clip(%d runes) = %d runes, want %d and …", maxEcho+10,
			utf8.RuneCountInString(got), maxEcho)
	}
	if got := clip("short"); got != "short" {
		t.Errorf("clip(short) = %q", got)
	}
}

// TestVerifyEchoesAreBounded: a huge bad line makes a message of sensible
// length, and control characters from the file (in a line, in the name of
// an included file) are escaped in every message and file name.
func TestVerifyEchoesAreBounded(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J.txt"
	text := "pkg==1.0 " + strings.Repeat("x", 10<<20) + "\n" +
		"-r " + evil + "\n" +
		"-r sub.txt\n" +
		"-r \x1b[1mesc.txt\n" +
		"bad\x1b[31m==1\n" +
		"name\u202e==1.0\n"
	sub := "a==1\n"
	got := verifyReport(t, map[string]string{"requirements.txt": text, "sub.txt": sub,
		"\x1b[1mesc.txt": "b==1\n"})
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 20000 {
		t.Errorf("the report is %d bytes long", len(data))
	}
	for _, x := range got.Findings {
		s := x.String()
		if utf8.RuneCountInString(x.Message) > maxMessage+1 {
			t.Errorf("message of %d runes: %.300s", utf8.RuneCountInString(x.Message), s)
		}
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("finding holds a control character: %q", s)
		}
	}
	for _, want := range []string{`-r \\x1b]0;pwned\\a\\x1b[2J.txt`, `"file":"\\x1b[1mesc.txt"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the report lacks %s:\n%s", want, data)
		}
	}
}

// verifyReport parses requirements.txt from files in memory and verifies
// it.
func verifyReport(t *testing.T, files map[string]string) *Report {
	t.Helper()
	f := parseFS(t, files, nil)
	rep, err := Verify(context.Background(), f, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
