package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// verifyFS parses requirements.txt from files in memory and verifies it,
// with requirements.in as the input file when it is given. It returns the
// findings as "line rule package severity" strings.
func verifyFS(t *testing.T, files map[string]string) []string {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	opts := ParseOptions{FS: fsys, Getenv: func(string) string { return "" }}
	f, err := Parse("requirements.txt", opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var vo VerifyOptions
	if _, ok := files["requirements.in"]; ok {
		in, err := Parse("requirements.in", opts)
		if err != nil {
			t.Fatalf("Parse requirements.in: %v", err)
		}
		vo.Checks = append(vo.Checks, InputCheck(in))
	}
	rep, err := Verify(context.Background(), f, vo)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var out []string
	for _, x := range rep.Findings {
		out = append(out,
			fmt.Sprintf("%s:%d %s %s %s", x.File, x.Line, x.Rule, x.Package, x.Severity))
	}
	return out
}

func hashed(req string, digests ...string) string {
	var b strings.Builder
	b.WriteString(req)
	for _, d := range digests {
		b.WriteString(" \\\n    --hash=" + d)
	}
	return b.String() + "\n"
}

const (
	s1 = "sha256:" + h1
	s2 = "sha256:" + h2
)

func TestVerifyRules(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"clean", map[string]string{"requirements.txt": hashed("a==1", s1) +
			hashed("b==2", s2, "sha512:"+strings.Repeat("ab", 64))},
			nil},
		{"missing backslash: missing-hash and the orphan --hash",
			map[string]string{"requirements.txt": "ledgerkit==4.9.2\n    --hash=sha256:" +
				"bab677e239bdc5eb3e9d57abd111c4d807b5e6014f678ea580897c74807e0dce\n"},
			[]string{"requirements.txt:1 missing-hash ledgerkit error",
				"requirements.txt:2 syntax  error"}},
		{"all or nothing",
			map[string]string{"requirements.txt": hashed("tablekit==0.9.0", "sha256:"+
				"c4536ca1b555e839b35552a932447e092b80c1c9731fe6ae2a030452cafcc8d5") +
				"numlite==1.4.1\n"},
			[]string{"requirements.txt:3 missing-hash numlite error"}},
		{"unsafe trailer",
			map[string]string{"requirements.txt": "docrender==3.1 \\\n    --hash=sha256:" +
				"0fc1b4159ad428387b93a2e51ecce1fd44b32c8199f911ea705f306c0bb4d82b\n" +
				"    # via -r requirements.in\n\n" +
				"# WARNING: The following packages were not pinned, " +
				"but pip requires them to be\n" +
				"# pinned when the requirements file includes hashes " +
				"and the requirement is not\n" +
				"# satisfied by a package already installed. " +
				"Consider using the --allow-unsafe flag.\n# setuptools\n"},
			[]string{"requirements.txt:8 unsafe-unpinned setuptools error"}},
		{"not pinned", map[string]string{"requirements.txt": hashed("a>=1", s1) + hashed("b", s1) +
			hashed("c==1.*", s1) + hashed("d===7", s1)},
			[]string{"requirements.txt:1 not-pinned a error",
				"requirements.txt:3 not-pinned b error", "requirements.txt:5 not-pinned c error"}},
		{"a repeated pin is one pin, as in pip's is_pinned",
			map[string]string{"requirements.txt": hashed("a==1.0,==1.0", s1) +
				hashed("b==1.0, ==1", s1) + hashed("c===7,===7", s1) +
				hashed("d==1.0,==1.1", s1) + hashed("e==1.0,>=1", s1) +
				hashed("f==1.*,==1.*", s1) + hashed("g==1.0+x,==1.0", s1) +
				hashed("h===1.0,===1.00", s1)},
			[]string{"requirements.txt:7 not-pinned d error",
				"requirements.txt:9 not-pinned e error",
				"requirements.txt:11 not-pinned f error", "requirements.txt:13 not-pinned g error",
				"requirements.txt:15 not-pinned h error"}},
		{"bad hashes", map[string]string{
			"requirements.txt": hashed("a==1", "md5:"+strings.Repeat("a", 32)) +
				hashed("b==1", s1, "sha256:"+h1[:63]) +
				hashed("c==1", "sha256:"+strings.ToUpper(h1)) +
				hashed("d==1", "sha256:"+strings.Repeat("z", 64)) +
				hashed("e==1", "SHA256:"+h1)},
			[]string{
				"requirements.txt:1 no-sha256 a error", "requirements.txt:2 bad-hash a error",
				"requirements.txt:5 bad-hash b error",
				"requirements.txt:7 bad-hash c warning",
				"requirements.txt:9 bad-hash d error",
				"requirements.txt:10 no-sha256 e error", "requirements.txt:11 bad-hash e error"}},
		{"glued continuation",
			map[string]string{
				"requirements.txt": "a==1 \\\n--hash=" + s1 + "\\\n--hash=" + s2 + "\n"},
			[]string{"requirements.txt:2 bad-hash a error"}},
		{"no sha256",
			map[string]string{
				"requirements.txt": hashed("a==1", "sha384:"+strings.Repeat("a", 96))},
			[]string{"requirements.txt:1 no-sha256 a error"}},
		{"editable, vcs, local dir",
			map[string]string{"requirements.txt": hashed("a==1", s1) +
				"-e ./src\nb @ git+https://github.com/o/b@v1\n./vendor/c\n"},
			[]string{"requirements.txt:3 editable  error", "requirements.txt:4 unhashable b error",
				"requirements.txt:5 unhashable  error"}},
		{"direct URLs need a hash, not a pin",
			map[string]string{
				"requirements.txt": hashed("a @ https://files.example/a-1.0.tar.gz", s1) +
					"https://files.example/b-2.0-py3-none-any.whl#sha256=" + h2 + "\n"},
			[]string{"requirements.txt:3 missing-hash b error"}},
		{"duplicates",
			map[string]string{"requirements.txt": hashed("Foo_Bar==1", s1) +
				hashed("foo-bar==1.0", s1) +
				hashed("x==1", s1) + hashed("X==2", s1) +
				hashed("y==1", s1) + hashed("y==1", s2) +
				hashed("z==1", s1, s2) + hashed("z==1", s2) +
				hashed(`m==1 ; python_version < "3.14"`, s1) +
				hashed(`m==2 ; python_version >= "3.14"`, s2) +
				hashed(`n==1 ; python_version < '3.14'`, s1) +
				hashed(`n==2; python_version<"3.14"`, s2)},
			[]string{
				"requirements.txt:3 duplicate foo-bar warning",
				"requirements.txt:7 duplicate X error",
				"requirements.txt:11 duplicate y error",
				"requirements.txt:16 duplicate z warning",
				"requirements.txt:24 duplicate n error"}},
		{"constraint pins an unpinned requirement (pip 26.1)",
			map[string]string{
				"requirements.txt": "-c constraints.txt\nfoo\n" + hashed("bar==1", s1),
				"constraints.txt":  hashed("foo==1.0", s2)},
			[]string{"requirements.txt:2 not-pinned foo warning"}},
		{"constraint without hashes does not cover the hash",
			map[string]string{
				"requirements.txt": "-c constraints.txt\nfoo\n" + hashed("bar==1", s1),
				"constraints.txt":  "foo==1.0\n"},
			[]string{"requirements.txt:2 not-pinned foo warning",
				"requirements.txt:2 missing-hash foo error"}},
		{"weak hash in a constraints file",
			map[string]string{"requirements.txt": "-c c.txt\n" + hashed("bar==1", s1),
				"c.txt": hashed("foo==1", "sha1:"+strings.Repeat("a", 40))},
			[]string{"c.txt:2 bad-hash foo error"}},
		{"credentials and insecure indexes",
			map[string]string{
				"requirements.txt": "--index-url https://user:s3cret@pypi.example/simple\n" +
					"--extra-index-url https://${TOKEN}@pypi.example/simple\n" +
					"--extra-index-url http://mirror.example/simple\n" +
					"--find-links http://127.0.0.1:8080/wheels\n" +
					"--trusted-host mirror.example\n" +
					hashed("a @ https://tok@files.example/a-1.0.tar.gz", s1)},
			[]string{
				"requirements.txt:1 credentials  error",
				"requirements.txt:2 syntax  warning",
				"requirements.txt:3 insecure-index  warning",
				"requirements.txt:5 insecure-index  warning",
				"requirements.txt:6 credentials a error"}},
		{"whitespace after a backslash is a syntax error, not a local directory",
			map[string]string{"requirements.txt": "a==1 \\ \n    --hash=" + s1 + "\n"},
			[]string{"requirements.txt:1 syntax  error", "requirements.txt:1 missing-hash a error",
				"requirements.txt:2 syntax  error"}},
		{"include missing",
			map[string]string{"requirements.txt": "-r dev.txt\n" + hashed("a==1", s1)},
			[]string{"requirements.txt:1 include-missing  error"}},
		{"stale and orphan",
			map[string]string{
				"requirements.in": "Django>=4\nrequests\nidna ; python_version < '3'\nmissing\n" +
					"silme @ https://files.example/silme-0.12.zip\n",
				"requirements.txt": hashed("django==3.2", s1) + "    # via -r requirements.in\n" +
					hashed("requests==2.31", s1) + "    # via -r requirements.in\n" +
					hashed("old==1", s1) +
					"    # via\n    #   -r requirements/requirements.in\n    #   requests\n" +
					hashed("silme @ https://files.example/silme-0.11.zip", s2) +
					"    # via -r requirements.in\n" +
					hashed("urllib3==2", s1) + "    # via requests\n"},
			[]string{
				"requirements.txt:1 stale django error",
				"requirements.txt:7 orphan old warning",
				"requirements.txt:12 stale silme error",
				"requirements.in:3 stale idna warning",
				"requirements.in:4 stale missing error"}},
		{"stale against a constraint of the input",
			map[string]string{
				"requirements.in": "-c constraints.txt\nfoo\nbar\n",
				"constraints.txt": "foo>=2.0\nbar<2.0 ; python_version < '3'\nbaz<1\n",
				"requirements.txt": hashed("foo==1.0", s1) + hashed("bar==2.1", s1) +
					hashed("baz==0.9", s1)},
			[]string{
				"requirements.txt:1 stale foo error",
				"requirements.txt:3 stale bar warning"}},
		{"two versions under markers that both hold somewhere",
			map[string]string{"requirements.txt": hashed("alpha==1.0 ; sys_platform == 'linux'", s1) +
				hashed("alpha==2.0 ; sys_platform != 'win32'", s2) +
				hashed("beta==1.0 ; python_version >= '3'", s1) +
				hashed("beta==2.0 ; python_version >= '3.0'", s2) +
				hashed("gamma==1.0", s1) + hashed("gamma==2.0 ; os_name == 'posix'", s2)},
			[]string{
				"requirements.txt:3 duplicate alpha error",
				"requirements.txt:7 duplicate beta error",
				"requirements.txt:11 duplicate gamma error"}},
		{"two versions under markers that split the machines",
			map[string]string{"requirements.txt": hashed("numpy==1.24.4 ; python_version < '3.9'", s1) +
				hashed("numpy==2.0.2 ; python_version >= '3.9'", s2) +
				hashed("pywin==1 ; sys_platform == 'win32'", s1) +
				hashed("pywin==2 ; sys_platform != 'win32' and python_version < '3'", s2) +
				hashed("same==1.0 ; os_name == 'nt'", s1) + hashed("same==1.0", s1)},
			nil},
		{"a pre-release of V is not <V",
			map[string]string{
				"requirements.in":  "foo<2.0\n",
				"requirements.txt": hashed("foo==2.0rc1", s1)},
			[]string{"requirements.txt:1 stale foo error"}},
	}
	for _, tt := range tests {
		got := verifyFS(t, tt.files)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: findings mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestVerifyRedactsAndCounts(t *testing.T) {
	fsys := fstest.MapFS{"requirements.txt": {Data: []byte(
		"--index-url https://user:s3cret@pypi.example/simple\n" +
			"--trusted-host x.example\nfoo==1\n")}}
	f, err := Parse("requirements.txt", ParseOptions{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), f, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rep.Findings {
		if strings.Contains(x.Message, "s3cret") || strings.Contains(x.Message, "user:") {
			t.Errorf("finding leaks the credentials: %s", x)
		}
	}
	if rep.Errors != 2 || rep.Warnings != 1 || rep.Requirements != 1 {
		t.Errorf("Report = %d errors, %d warnings, %d requirements; want 2, 1, 1",
			rep.Errors, rep.Warnings, rep.Requirements)
	}
}

func TestVerifyCheckError(t *testing.T) {
	fsys := fstest.MapFS{"requirements.txt": {Data: []byte(hashed("a==1", s1))}}
	f, _ := Parse("requirements.txt", ParseOptions{FS: fsys})
	boom := errors.New("index: connection refused")
	_, err := Verify(context.Background(), f, VerifyOptions{Checks: []Check{
		func(context.Context, *File) ([]Finding, error) { return nil, boom },
	}})
	if !errors.Is(err, boom) {
		t.Errorf("Verify error = %v, want the check's error", err)
	}
}

// TestVerifyShowsWhatWasWritten: values that ${VAR} references expand to
// are never printed, whatever characters they hold ("/" and "@" defeat
// any redaction of the expanded URL), and a file whose credentials are all
// ${VAR} references has no credentials finding.
func TestVerifyShowsWhatWasWritten(t *testing.T) {
	env := map[string]string{
		"TOKEN":  "s3cr/et@pa%ss",
		"URL":    "https://u:hid/den@files.example/d-1.0-py3-none-any.whl",
		"QUOTED": `hid"den`,
	}
	text := "--index-url https://${TOKEN}@pypi.example/simple\n" +
		"--extra-index-url http://__token__:${TOKEN}@mirror.example/simple\n" +
		"--find-links https://links.example/?token=${TOKEN}\n" +
		"--trusted-host ${TOKEN}\n" +
		"a @ https://${TOKEN}@files.example/a-1.0.tar.gz\n" +
		"https://${TOKEN}@files.example/b-1.0.tar.gz\n" +
		"-e git+https://${TOKEN}@github.com/o/r#egg=r\n" +
		"c @ git+https://${TOKEN}@github.com/o/c@v1\n" +
		"${URL}\n" +
		"e @ https://${TOKEN}@files.example/e-1.0.tar.gz ; bad marker\n" +
		"--index-url https://pypi.example/simple https://${TOKEN}@stray.example\n" +
		"f @ https://${QUOTED}@files.example/f-1.0.tar.gz --hash=sha256:" + h1 + " --hash=x\n"
	fsys := fstest.MapFS{"requirements.txt": {Data: []byte(text)}}
	getenv := func(k string) string { return env[k] }
	f, err := Parse("requirements.txt", ParseOptions{FS: fsys, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), f, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[int]bool{}
	for _, x := range rep.Findings {
		for _, part := range []string{"s3cr", "et@pa", "hid", "den@"} {
			if strings.Contains(x.Message, part) {
				t.Errorf("finding shows part %q of an expanded secret: %s", part, x)
			}
		}
		if x.Rule == RuleCredentials {
			t.Errorf("credentials finding for a ${VAR} reference: %s", x)
		}
		lines[x.Line] = true
	}
	for _, n := range []int{2, 4, 5, 6, 7, 8, 9, 10, 11, 12} { // 1 and 3 are fine
		if !lines[n] {
			t.Errorf("no finding on line %d; findings:\n%s", n, findingLines(rep))
		}
	}
}

// TestVerifyLiteralCredentials: a password or token written in the file,
// in any URL pip reads (a VCS URL too, or the query of an index URL), is a
// credentials finding; a login in an ssh URL is not.
func TestVerifyLiteralCredentials(t *testing.T) {
	text := "--index-url https://h.example/simple?access_token=abc123\n" +
		"--extra-index-url https://h.example/simple?token=${TOKEN}\n" +
		"--extra-index-url https://user:${TOKEN}@h.example/simple\n" +
		"--find-links https://user:p@ss@h.example/links\n" +
		"bar @ git+https://ghp_LITERAL@github.com/o/bar@v1\n" +
		"baz @ git+ssh://git@github.com/o/baz@v1\n" +
		"-e git+https://x-access-token:ghs_LITERAL@github.com/o/q#egg=q\n"
	got := verifyFS(t, map[string]string{"requirements.txt": text})
	var creds []string
	for _, g := range got {
		if strings.Contains(g, " credentials ") {
			creds = append(creds, g)
		}
	}
	want := []string{
		"requirements.txt:1 credentials  error",
		"requirements.txt:4 credentials  error",
		"requirements.txt:5 credentials bar error",
		"requirements.txt:7 credentials q error",
	}
	if diff := cmp.Diff(want, creds); diff != "" {
		t.Errorf("credentials findings (-want +got):\n%s", diff)
	}
}

func findingLines(r *Report) string {
	var b strings.Builder
	for _, x := range r.Findings {
		b.WriteString(x.String() + "\n")
	}
	return b.String()
}

// missing-hash says why an entry needs a hash: pip's hash-checking mode
// where something turns it on, sbompipe's policy where nothing does (a
// new user read the first in a file with no hash at all).
func TestMissingHashMessage(t *testing.T) {
	hash := " --hash=sha256:" + strings.Repeat("a", 64)
	for _, tc := range []struct{ text, want string }{
		{"idna==3.7\n", "sbompipe wants a sha256 --hash on every entry"},
		{"idna==3.7\nsix==1.16.0" + hash + "\n", "in hash-checking mode (any --hash in the files turns it on)"},
		{"--require-hashes\nidna==3.7\n", "in hash-checking mode (any --hash in the files turns it on)"},
	} {
		rep := verifyReport(t, map[string]string{"requirements.txt": tc.text})
		var msgs []string
		for _, fd := range rep.Findings {
			if fd.Rule == RuleMissingHash {
				msgs = append(msgs, fd.Message)
			}
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0], tc.want) {
			t.Errorf("%q: missing-hash findings %q, want one saying %q", tc.text, msgs, tc.want)
		}
	}
}

// A direct reference is the same source in the input and in the lockfile
// written from it, however each writes it: a local path and pip's
// absolute file: URL, a #sha256= fragment pip drops, an upper-case
// scheme, a ${TOKEN} in one and its value in the other. Another archive
// is stale.
func TestStaleDirectReferences(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	abs, err := filepath.Abs("dist/gamma-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOKEN", "s3cret")
	in := "./dist/gamma-1.0-py3-none-any.whl\n" +
		"delta @ https://127.0.0.1/delta-1.0.whl#sha256=" + h1 + "\n" +
		"eps @ HTTP://127.0.0.1/eps-1.0.whl\n" +
		"zeta @ https://u:${TOKEN}@127.0.0.1/zeta-1.0.whl\n" +
		"eta @ https://127.0.0.1/eta-2.0.whl\n"
	lock := hashed("gamma @ file://"+filepath.ToSlash(abs), s1) +
		hashed("delta @ https://127.0.0.1/delta-1.0.whl", s1) +
		hashed("eps @ http://127.0.0.1/eps-1.0.whl", s1) +
		hashed("zeta @ https://u:s3cret@127.0.0.1/zeta-1.0.whl", s1) +
		hashed("eta @ https://127.0.0.1/eta-1.0.whl", s1)
	for name, text := range map[string]string{"requirements.in": in, "requirements.txt": lock} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inFile, err := Parse("requirements.in", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lockFile, err := Parse("requirements.txt", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range checkInput(inFile, lockFile) {
		got = append(got, fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Rule, f.Package))
	}
	if diff := cmp.Diff([]string{"requirements.txt:9 stale eta"}, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
