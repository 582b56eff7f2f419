package lockfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sentrikat/sbompipe/internal/pyindex"
)

// verifyWithIndex runs Verify with the hash-unknown check on a lockfile
// text and returns its findings as "line rule" strings.
func verifyWithIndex(t *testing.T, s *Sources, text string) ([]string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "requirements.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(path, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), f, VerifyOptions{Checks: []Check{IndexCheck(s)}})
	if err != nil {
		return nil, err
	}
	var got []string
	for _, fd := range rep.Findings {
		got = append(got, strings.Join([]string{strconv.Itoa(fd.Line), fd.Rule, fd.Package}, " "))
	}
	return got, nil
}

func TestIndexCheck(t *testing.T) {
	x := pyindex.New(t)
	files := x.Add(
		pyindex.Release{Name: "Good", Version: "1.0", Sdist: true},
		pyindex.Release{Name: "other", Version: "2.0"},
		pyindex.Release{Name: "other", Version: "2.1"},
	)
	good, goodSdist, other20, other21 := files[0], files[1], files[2], files[3]
	lock := "good==1.0 \\\n" +
		"    --hash=sha256:" + good.SHA256 + " \\\n" +
		"    --hash=sha256:" + goodSdist.SHA256 + "\n" +
		"other==2.0 \\\n" +
		"    --hash=sha256:" + other21.SHA256 + "\n" + // left from another version
		"missing==9.9 \\\n" +
		"    --hash=sha256:" + strings.Repeat("ab", 32) + "\n" +
		"Other==2.0.0 \\\n" + // the same release, spelled otherwise
		"    --hash=sha256:" + strings.ToUpper(other20.SHA256) + " \\\n" +
		"    --hash=sha512:" + strings.Repeat("cd", 64) + "\n"

	for _, tc := range []struct {
		name           string
		htmlOnly, omit bool
	}{{"json", false, false}, {"html", true, false}, {"no-hashes", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			x.HTMLOnly(tc.htmlOnly)
			x.OmitHashes(tc.omit)
			got, err := verifyWithIndex(t, &Sources{IndexURLs: []string{x.URL()}}, lock)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"5 hash-unknown other",
				"6 hash-unknown missing",
				"8 duplicate Other", // a plain repeat of other: verify's own warning
				"9 bad-hash Other",  // an upper-case digest: a warning of verify's own
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIndexCheckErrors: an index that cannot be read is an error, and the
// error does not show the index's credentials.
func TestIndexCheckErrors(t *testing.T) {
	x := pyindex.New(t)
	f := x.Add(pyindex.Release{Name: "good", Version: "1.0"})[0]
	lock := "good==1.0 --hash=sha256:" + f.SHA256 + "\n"
	x.RequireAuth("deploy", "t0ps3cret")
	wrong := strings.Replace(x.URL(), "t0ps3cret", "wrong-secret", 1)

	for _, url := range []string{wrong, "http://127.0.0.1:1/simple/"} {
		_, err := verifyWithIndex(t, &Sources{IndexURLs: []string{url}}, lock)
		var ie *IndexError
		if !errors.As(err, &ie) {
			t.Errorf("index %s: err = %v, want an IndexError", Redact(url), err)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows a credential: %v", err)
		}
	}

	// With the right credentials, the same lockfile passes.
	got, err := verifyWithIndex(t, &Sources{IndexURLs: []string{x.URL()}}, lock)
	if err != nil || len(got) != 0 {
		t.Errorf("with credentials: findings %q, error %v", got, err)
	}
}

// TestIndexCheckWrongURL: indexes that answer 404 for every project asked
// about are a wrong URL, an error naming each without its credentials;
// 404 for some projects only stays a finding.
func TestIndexCheckWrongURL(t *testing.T) {
	x := pyindex.New(t)
	f := x.Add(pyindex.Release{Name: "good", Version: "1.0"})[0]
	lock := "good==1.0 --hash=sha256:" + f.SHA256 + "\n" +
		"gone==2.0 --hash=sha256:" + strings.Repeat("ab", 32) + "\n"
	base := "http://deploy:t0ps3cret@" + x.Host()

	for _, tc := range []struct {
		urls []string
		want []string // the error's lines; nil: no error, a finding
	}{
		{[]string{base + "/pypi/simple/"}, []string{
			"package index http://" + x.Host() + "/pypi/simple/: none of the 2 projects asked " +
				"about is there (HTTP 404 Not Found for each): is the URL right?"}},
		{[]string{base + "/a/", base + "/b/"}, []string{
			"package index http://" + x.Host() + "/a/: none of the 2 projects asked " +
				"about is there (HTTP 404 Not Found for each): is the URL right?",
			"package index http://" + x.Host() + "/b/: none of the 2 projects asked " +
				"about is there (HTTP 404 Not Found for each): is the URL right?"}},
		{[]string{x.URL()}, nil},                   // gone alone is missing: a finding
		{[]string{base + "/wrong/", x.URL()}, nil}, // the other index has good
	} {
		got, err := verifyWithIndex(t, &Sources{IndexURLs: tc.urls}, lock)
		if tc.want == nil {
			if err != nil || !cmp.Equal(got, []string{"2 hash-unknown gone"}) {
				t.Errorf("indexes %q: findings %q, error %v; want gone's hash-unknown",
					tc.urls, got, err)
			}
			continue
		}
		var ie *IndexError
		if !errors.As(err, &ie) {
			t.Errorf("indexes %q: findings %q, error %v; want an IndexError", tc.urls, got, err)
			continue
		}
		if diff := cmp.Diff(tc.want, strings.Split(err.Error(), "\n")); diff != "" {
			t.Errorf("indexes %q: error (-want +got):\n%s", tc.urls, diff)
		}
	}

	// One project, not there: the same error, in the singular.
	_, err := verifyWithIndex(t, &Sources{IndexURLs: []string{base + "/pypi/"}},
		"gone==2.0 --hash=sha256:"+strings.Repeat("ab", 32)+"\n")
	const one = ": the one project asked about is not there (HTTP 404 Not Found): " +
		"is the URL right?"
	if err == nil || !strings.HasSuffix(err.Error(), one) {
		t.Errorf("one unknown project: error %v", err)
	}
}

func TestSplitDistName(t *testing.T) {
	for _, tc := range []struct{ file, project, version string }{
		{"zope_interface-6.1-cp311-cp311-manylinux_2_17_x86_64.whl", "zope_interface", "6.1"},
		{"pkg-1.0-1build-py3-none-any.whl", "pkg", "1.0"},
		{"python-dateutil-2.9.0.post0.tar.gz", "python-dateutil", "2.9.0.post0"},
		{"Django-5.0.zip", "Django", "5.0"},
		{"foo-1.0.tar.bz2", "foo", "1.0"},
		{"foo-1.0.exe", "", ""},
		{"foo-py3-none-any.whl", "", ""},
		{"nodash.tar.gz", "", ""},
	} {
		project, version, _ := splitDistName(tc.file)
		if project != tc.project || version != tc.version {
			t.Errorf("splitDistName(%q) = %q, %q, want %q, %q",
				tc.file, project, version, tc.project, tc.version)
		}
	}
}
