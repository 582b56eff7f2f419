package lockfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	h1 = "c4536ca1b555e839b35552a932447e092b80c1c9731fe6ae2a030452cafcc8d5"
	h2 = "0fc1b4159ad428387b93a2e51ecce1fd44b32c8199f911ea705f306c0bb4d82b"
)

// parseFS parses requirements.txt from files held in memory.
func parseFS(t *testing.T, files map[string]string, env map[string]string) *File {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	getenv := func(k string) string { return env[k] }
	f, err := Parse("requirements.txt", ParseOptions{FS: fsys, Getenv: getenv})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// problems renders the problems of f as "file:line: message" lines.
func problems(f *File) []string {
	var out []string
	for _, p := range f.Problems {
		out = append(out, p.Error())
	}
	return out
}

func TestParseRequirementForms(t *testing.T) {
	tests := []struct {
		line string
		want Requirement
	}{
		{"Django[argon2, bcrypt]==3.1.3", Requirement{Name: "Django", Canonical: "django",
			Extras: []string{"argon2", "bcrypt"}, Specifier: "==3.1.3", Version: "3.1.3"}},
		{"zope.interface === 5.0", Requirement{Name: "zope.interface", Canonical: "zope-interface",
			Specifier: "===5.0", Version: "5.0"}},
		{"pkg==1.*", Requirement{Name: "pkg", Canonical: "pkg", Specifier: "==1.*"}},
		{"pkg>=1, <2", Requirement{Name: "pkg", Canonical: "pkg", Specifier: ">=1,<2"}},
		{"pkg (==1.0)", Requirement{Name: "pkg", Canonical: "pkg",
			Specifier: "==1.0", Version: "1.0"}},
		{"functools32==3.2.3-2", Requirement{Name: "functools32", Canonical: "functools32",
			Specifier: "==3.2.3-2", Version: "3.2.3-2"}},
		{`enum34==1.1.6; python_version < '3'`, Requirement{Name: "enum34", Canonical: "enum34",
			Specifier: "==1.1.6", Version: "1.1.6", Marker: `python_version < '3'`}},
		{`tinyhttp==1.8.2 ; python_version < "3.11" and sys_platform == "linux"`, Requirement{
			Name: "tinyhttp", Canonical: "tinyhttp", Specifier: "==1.8.2", Version: "1.8.2",
			Marker: `python_version < "3.11" and sys_platform == "linux"`}},
		{"silme @ https://github.com/mozilla/silme/archive/v0.11.2.zip", Requirement{
			Name: "silme", Canonical: "silme", Kind: DirectURL,
			URL: "https://github.com/mozilla/silme/archive/v0.11.2.zip"}},
		{"https://files.example/pkgs/Foo_Bar-1.0-py3-none-any.whl#sha256=" + h1, Requirement{
			Name: "Foo-Bar", Canonical: "foo-bar", Specifier: "==1.0", Version: "1.0",
			Kind:         DirectURL,
			URL:          "https://files.example/pkgs/Foo_Bar-1.0-py3-none-any.whl#sha256=" + h1,
			FragmentHash: &Hash{Algorithm: "sha256", Digest: h1, Line: 1}}},
		{"https://h.example/a.zip#egg=thing", Requirement{Name: "thing", Canonical: "thing",
			Kind: DirectURL, URL: "https://h.example/a.zip#egg=thing"}},
		{"https://h.example/a.zip", Requirement{Kind: DirectURL, URL: "https://h.example/a.zip"}},
		{"git+https://github.com/o/r@v1#egg=r", Requirement{Name: "r", Canonical: "r", Kind: VCS,
			URL: "git+https://github.com/o/r@v1#egg=r"}},
		{"r @ git+https://github.com/o/r@v1", Requirement{Name: "r", Canonical: "r", Kind: VCS,
			URL: "git+https://github.com/o/r@v1"}},
		{"./vendor/pkg", Requirement{Kind: LocalDir, URL: "./vendor/pkg"}},
		{"./dist/pkg-1.0.tar.gz", Requirement{Kind: LocalArchive, URL: "./dist/pkg-1.0.tar.gz"}},
		{"file:///srv/wheels/pkg-2.0-py3-none-any.whl", Requirement{Name: "pkg", Canonical: "pkg",
			Specifier: "==2.0", Version: "2.0", Kind: LocalArchive,
			URL: "file:///srv/wheels/pkg-2.0-py3-none-any.whl"}},
		{"-e ./src/app[dev]",
			Requirement{Kind: Editable, URL: "./src/app", Extras: []string{"dev"}}},
		{"-e git+https://github.com/o/r#egg=r", Requirement{Name: "r", Canonical: "r",
			Kind: Editable, URL: "git+https://github.com/o/r#egg=r"}},
	}
	ignore := cmpopts.IgnoreFields(Requirement{}, "File", "Line", "EndLine", "WrittenURL")
	for _, tt := range tests {
		f := parseFS(t, map[string]string{"requirements.txt": tt.line + "\n"}, nil)
		if len(f.Problems) > 0 || len(f.Requirements) != 1 {
			t.Errorf("Parse(%q): %d requirements, problems %q",
				tt.line, len(f.Requirements), problems(f))
			continue
		}
		if diff := cmp.Diff(&tt.want, f.Requirements[0], ignore); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
}

func TestParseBadLines(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // problems
		reqs int      // requirements kept
	}{
		{"orphan hash after a line without backslash",
			"ledgerkit==4.9.2\n    --hash=sha256:" + h1 + "\n",
			[]string{`requirements.txt:2: --hash=sha256:c4536ca1b555… has no requirement ` +
				`on its line: pip ignores it (is a "\" missing at the end of line 1?)`}, 1},
		{"tab before hash",
			"pkg==1\t--hash=sha256:" + h1 + "\n",
			[]string{`requirements.txt:1: a TAB before --hash=sha256:` + h1 +
				`: pip splits options only at spaces, so it reads "--hash=sha256:` + h1 +
				`" as part of the requirement and refuses the line`}, 1},
		{"option before the requirement",
			"--hash=sha256:" + h1 + " pkg==1\n",
			[]string{`requirements.txt:1: the requirement "pkg==1" comes after an option: ` +
				`pip ignores it and its hashes; put the requirement first`}, 1},
		{"hash on an editable",
			"-e ./src --hash=sha256:" + h1 + "\n",
			[]string{`requirements.txt:1: --hash on an -e line: ` +
				`pip drops the hash sha256:c4536ca1b555… without a word, ` +
				`and refuses the editable requirement in hash-checking mode`}, 1},
		{"unknown option", "pkg==1 --frob\n",
			[]string{"requirements.txt:1: no such option: --frob"}, 1},
		{"global option on a requirement line", "pkg==1 --index-url https://x.example/simple\n",
			[]string{"requirements.txt:1: pip ignores --index-url on a requirement line"}, 1},
		{"removed option", "pkg==1 --global-option=x\n",
			[]string{"requirements.txt:1: " +
				"pip 25.3 and later refuse --global-option in requirements files"}, 1},
		{"hash without algorithm", "pkg==1 --hash=" + h1 + "\n",
			[]string{"requirements.txt:1: --hash=" + h1 +
				": want an algorithm and a digest, like --hash=sha256:abcd…"}, 1},
		{"single equals", "pkg=1.0\n",
			[]string{`requirements.txt:1: invalid requirement "pkg=1.0": ` +
				`"=" is not a version operator (did you mean "=="?)`}, 0},
		{"bad version", "pkg==1.0-foo\n",
			[]string{`requirements.txt:1: invalid requirement "pkg==1.0-foo": ` +
				`"1.0-foo" is not a PEP 440 version (pip 24.1 and later refuse it)`}, 0},
		{"bad marker", "pkg==1 ; python_version <\n",
			[]string{`requirements.txt:1: invalid marker "python_version <": ` +
				`expected a marker variable or a quoted string`}, 1},
		{"unclosed quote in options", "pkg==1 --hash 'sha256:x\n",
			[]string{`requirements.txt:1: could not split the options "--hash 'sha256:x": ` +
				`no closing quotation`}, 1},
		{"every bad line is reported",
			"a=1\nb==2\nc=3\n",
			[]string{
				`requirements.txt:1: invalid requirement "a=1": ` +
					`"=" is not a version operator (did you mean "=="?)`,
				`requirements.txt:3: invalid requirement "c=3": ` +
					`"=" is not a version operator (did you mean "=="?)`,
			}, 1},
		{"whitespace after the backslash: pip calls the line invalid",
			"pkg==1.0 \\ \n    --hash=sha256:" + h1 + "\n",
			[]string{
				`requirements.txt:1: trailing whitespace after the "\" at the end of the line: ` +
					`pip does not join the next line to it, ` +
					`and refuses the line with the "\" in it as invalid; remove it`,
				`requirements.txt:2: --hash=sha256:c4536ca1b555… has no requirement ` +
					`on its line: pip ignores it ` +
					`(the "\" at the end of line 1 does not continue it)`,
			}, 1},
		{"a comment after the backslash",
			"--index-url https://x.example/simple \\ # the mirror\n",
			[]string{`requirements.txt:1: a comment after the "\" at the end of the line: ` +
				`pip does not join the next line to it, ` +
				`and refuses the line with the "\" in it as invalid; ` +
				`move the comment to a line of its own`}, 0},
		{"comment inside a continuation drops the hashes",
			"pkg==1 # note \\\n    --hash=sha256:" + h1 + "\n",
			[]string{"requirements.txt:1: the comment on line 1 " +
				"hides line 2 of the continued line from pip: " +
				"it drops --hash=sha256:c4536ca1b555…"}, 1},
	}
	for _, tt := range tests {
		f := parseFS(t, map[string]string{"requirements.txt": tt.text}, nil)
		if diff := cmp.Diff(tt.want, problems(f)); diff != "" {
			t.Errorf("%s: problems mismatch (-want +got):\n%s", tt.name, diff)
		}
		if len(f.Requirements) != tt.reqs {
			t.Errorf("%s: %d requirements, want %d", tt.name, len(f.Requirements), tt.reqs)
		}
	}
}

func TestParseHashes(t *testing.T) {
	text := "pkg==1 \\\n    --hash=sha256:" + h1 +
		" \\\n    --hash sha512:ab \\\n    --hash=md5:cd\n"
	f := parseFS(t, map[string]string{"requirements.txt": text}, nil)
	want := []Hash{{"sha256", h1, 2}, {"sha512", "ab", 3}, {"md5", "cd", 4}}
	if len(f.Requirements) != 1 {
		t.Fatalf("got %d requirements, want 1", len(f.Requirements))
	}
	r := f.Requirements[0]
	if diff := cmp.Diff(want, r.Hashes); diff != "" {
		t.Errorf("hashes mismatch (-want +got):\n%s", diff)
	}
	if r.Line != 1 || r.EndLine != 4 {
		t.Errorf("lines = %d-%d, want 1-4", r.Line, r.EndLine)
	}

	// The same digest twice is at the line of each.
	text = "pkg==1 \\\n    --hash=sha256:" + h2 + " \\\n    --hash=sha256:" + h1 +
		" \\\n    --hash=sha256:" + h1 + "\n"
	f = parseFS(t, map[string]string{"requirements.txt": text}, nil)
	want = []Hash{{"sha256", h2, 2}, {"sha256", h1, 3}, {"sha256", h1, 4}}
	if diff := cmp.Diff(want, f.Requirements[0].Hashes); diff != "" {
		t.Errorf("repeated hash lines (-want +got):\n%s", diff)
	}
	text = "pkg==1 --hash=sha256:" + h1 + " \\\n    --hash=sha256:" + h2 +
		" --hash=sha256:" + h1 + "\n"
	f = parseFS(t, map[string]string{"requirements.txt": text}, nil)
	want = []Hash{{"sha256", h1, 1}, {"sha256", h2, 2}, {"sha256", h1, 2}}
	if diff := cmp.Diff(want, f.Requirements[0].Hashes); diff != "" {
		t.Errorf("a digest again on a later line (-want +got):\n%s", diff)
	}
}

func TestParseLineEndings(t *testing.T) {
	for _, sep := range []string{"\n", "\r\n", "\r", "\f", "\u2028"} {
		text := "# c" + sep + "pkg==1 \\" + sep + "    --hash=sha256:" + h1 + sep +
			"other==2" + sep
		f := parseFS(t, map[string]string{"requirements.txt": text}, nil)
		if len(f.Requirements) != 2 || len(f.Requirements[0].Hashes) != 1 ||
			f.Requirements[1].Line != 4 {
			t.Errorf("separator %q: got %d requirements, problems %q",
				sep, len(f.Requirements), problems(f))
		}
	}
}

func TestParseIncludes(t *testing.T) {
	files := map[string]string{
		"requirements.txt":  "-r sub/dev.txt\n-c constraints.txt\na==1\n-r missing.txt\n",
		"sub/dev.txt":       "b==2\n-r ../requirements.txt\n-r more.txt\n",
		"sub/more.txt":      "c==3\n",
		"constraints.txt":   "d==4\n-r sub/more.txt\ne[x]==5\n",
		"unused/ignore.txt": "z==9\n",
	}
	f := parseFS(t, files, nil)
	var reqs, cons []string
	for _, r := range f.Requirements {
		reqs = append(reqs, r.File+":"+r.Name)
	}
	for _, r := range f.Constraints {
		cons = append(cons, r.File+":"+r.Name)
	}
	wantReqs := []string{"sub/dev.txt:b", "sub/more.txt:c", "requirements.txt:a"}
	if diff := cmp.Diff(wantReqs, reqs); diff != "" {
		t.Errorf("requirements mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"constraints.txt:d", "constraints.txt:e"}, cons); diff != "" {
		t.Errorf("constraints mismatch (-want +got):\n%s", diff)
	}
	wantFiles := []string{"requirements.txt", "sub/dev.txt", "sub/more.txt", "constraints.txt"}
	if diff := cmp.Diff(wantFiles, f.Files); diff != "" {
		t.Errorf("files mismatch (-want +got):\n%s", diff)
	}
	wantProblems := []string{
		"sub/dev.txt:2: -r ../requirements.txt: a cycle: " +
			"requirements.txt is being read already; pip refuses it",
		"constraints.txt:3: constraints cannot have extras: pip refuses the constraints file",
		"requirements.txt:4: -r missing.txt: missing.txt does not exist",
	}
	if diff := cmp.Diff(wantProblems, problems(f)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if got := f.Problems[2].Rule; got != RuleIncludeMissing {
		t.Errorf("missing include rule = %q, want %q", got, RuleIncludeMissing)
	}
}

func TestParseAnnotations(t *testing.T) {
	text := `#
# This file is autogenerated by pip-compile with Python 3.12
# by the following command:
#
#    pip-compile --generate-hashes --output-file=requirements.txt requirements.in
#
--index-url https://${USER_TOKEN}@pypi.internal.example/simple

colorwheel==3.2.0 \
    --hash=sha256:` + h1 + `
    # via -r requirements.in
tinyhttp==1.8.2 ; python_version < "3.11" \
    --hash=sha256:` + h2 + `
    # via
    #   -c constraints.txt
    #   -r requirements.in
    #   colorwheel
old==1.0 \
    --hash=sha256:` + h1 + ` \
    # via -r requirements/main.in, celery
plain==2.0                # via old

# WARNING: The following packages were not pinned, but pip requires them to be
# pinned when the requirements file includes hashes and the requirement is not
# satisfied by a package already installed. Consider using the --allow-unsafe flag.
# setuptools
`
	f := parseFS(t, map[string]string{"requirements.txt": text},
		map[string]string{"USER_TOKEN": "tok"})
	if len(f.Problems) > 0 {
		t.Fatalf("problems: %q", problems(f))
	}
	wantHeader := Header{Generator: "pip-compile", Python: "3.12",
		Command: "pip-compile --generate-hashes --output-file=requirements.txt requirements.in",
		Line:    5}
	if diff := cmp.Diff(wantHeader, f.Header); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	via := map[string][]string{}
	for _, r := range f.Requirements {
		via[r.Name] = r.Via
	}
	wantVia := map[string][]string{
		"colorwheel": {"-r requirements.in"},
		"tinyhttp":   {"-c constraints.txt", "-r requirements.in", "colorwheel"},
		"old":        {"-r requirements/main.in", "celery"},
		"plain":      {"old"},
	}
	if diff := cmp.Diff(wantVia, via); diff != "" {
		t.Errorf("via mismatch (-want +got):\n%s", diff)
	}
	wantUnsafe := []*UnsafeEntry{{File: "requirements.txt", Line: 26, Name: "setuptools"}}
	if diff := cmp.Diff(wantUnsafe, f.Unsafe); diff != "" {
		t.Errorf("unsafe mismatch (-want +got):\n%s", diff)
	}
	wantOpts := []*Option{{File: "requirements.txt", Line: 7, Name: "index-url",
		Value:   "https://tok@pypi.internal.example/simple",
		Written: "https://${USER_TOKEN}@pypi.internal.example/simple"}}
	if diff := cmp.Diff(wantOpts, f.Options); diff != "" {
		t.Errorf("options mismatch (-want +got):\n%s", diff)
	}
}

func TestParseUVHeader(t *testing.T) {
	text := "# This file was autogenerated by uv via the following command:\n" +
		"#    uv pip compile --generate-hashes requirements.in\n" +
		"pkg==1 ; python_full_version < '3.11' \\\n    --hash=sha256:" + h1 + "\n" +
		"# The following packages were excluded from the output:\n# pip\n"
	f := parseFS(t, map[string]string{"requirements.txt": text}, nil)
	want := Header{Generator: "uv", Command: "uv pip compile --generate-hashes requirements.in",
		Line: 2}
	if diff := cmp.Diff(want, f.Header); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	if len(f.Unsafe) != 1 || f.Unsafe[0].Name != "pip" || f.Unsafe[0].Line != 6 {
		t.Errorf("unsafe = %+v, want pip on line 6", f.Unsafe)
	}
}

func TestParseSbompipeHeader(t *testing.T) {
	text := "#\n# This file is autogenerated by sbompipe with Python 3.11\n" +
		"# by the following command:\n#\n" +
		"#    sbompipe lock --backend pip\n#\n" + "pkg==1 \\\n    --hash=sha256:" + h1 + "\n" +
		"\n# The following packages are considered to be unsafe in a requirements file:\n" +
		"setuptools==80.0 \\\n    --hash=sha256:" + h2 +
		"\n    # via\n    #   -r requirements.in\n    #   pkg\n"
	f := parseFS(t, map[string]string{"requirements.txt": text}, nil)
	want := Header{Generator: "sbompipe", Python: "3.11", Command: "sbompipe lock --backend pip",
		Line: 5}
	if diff := cmp.Diff(want, f.Header); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	if len(f.Unsafe) != 0 || len(f.Requirements) != 2 || len(f.Problems) != 0 {
		t.Errorf("got %d unsafe, %d requirements, problems %q; want 0, 2, none",
			len(f.Unsafe), len(f.Requirements), problems(f))
	}
}

func TestParseStrict(t *testing.T) {
	fsys := fstest.MapFS{"requirements.txt": {Data: []byte("a=1\nb==2\n--hash=sha256:x\n")}}
	f, err := Parse("requirements.txt", ParseOptions{Strict: true, FS: fsys})
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("Parse strict: error %v, want an ErrorList of 2", err)
	}
	if f == nil || len(f.Requirements) != 1 {
		t.Fatalf("Parse strict: want the file with 1 requirement, got %+v", f)
	}
	want := "requirements.txt:1: invalid requirement \"a=1\": " +
		"\"=\" is not a version operator (did you mean \"==\"?)\n" +
		"requirements.txt:3: --hash=sha256:x has no requirement on its line: " +
		"pip ignores it (is a \"\\\" missing at the end of line 2?)"
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
	if _, err := Parse("requirements.txt", ParseOptions{FS: fsys}); err != nil {
		t.Errorf("Parse lax: %v, want no error", err)
	}
	_, err = Parse("nope.txt", ParseOptions{FS: fsys})
	if err == nil || !strings.Contains(err.Error(), "nope.txt") {
		t.Errorf("Parse of a missing file: error %v, want one naming the file", err)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Django", "django"},
		{"zope.interface", "zope-interface"},
		{"Foo__Bar-.baz", "foo-bar-baz"},
		{"aiorpcX", "aiorpcx"},
	}
	for _, tt := range tests {
		if got := Canonical(tt.in); got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"--index-url https://user:s3cret@pypi.example/simple",
			"--index-url https://pypi.example/simple"},
		{"https://ghp_token@h.example/x and http://a:b@c.example",
			"https://h.example/x and http://c.example"},
		{"r @ git+https://github.com/o/r@v1.0", "r @ git+https://github.com/o/r@v1.0"},
		{"no url here: a@b", "no url here: a@b"},
		// The last "@" before the host ends a password that holds "@".
		{"https://user:p@ss@host.example/x", "https://host.example/x"},
		{"https://to@k@en@host.example", "https://host.example"},
		{"git+ssh://git@github.com/o/r.git@v1", "git+ssh://github.com/o/r.git@v1"},
		{"git+https://tok@github.com/o/r@v1.0#egg=r", "git+https://github.com/o/r@v1.0#egg=r"},
		// ${VAR} references are no secret.
		{"https://${USER}:${TOKEN}@host.example/simple",
			"https://${USER}:${TOKEN}@host.example/simple"},
		{"https://user:${TOKEN}@host.example/simple", "https://host.example/simple"},
		// Credentials in the query.
		{"https://h.example/simple?token=abc&x=1", "https://h.example/simple?token=REDACTED&x=1"},
		{"https://h.example/s/?a=1&Access_Token=abc#f",
			"https://h.example/s/?a=1&Access_Token=REDACTED#f"},
		{"https://h.example/simple?token=${TOKEN}", "https://h.example/simple?token=${TOKEN}"},
		{"https://h.example/x.whl?tokens=1", "https://h.example/x.whl?tokens=1"},
		// And in the fragment, which pip does not send but sbom records.
		{"https://h.example/x.whl#token=abc", "https://h.example/x.whl#token=REDACTED"},
		{"https://h.example/x.whl#sha256=abc&egg=x", "https://h.example/x.whl#sha256=abc&egg=x"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseWrittenURL(t *testing.T) {
	text := "pkg @ https://${TOKEN}@files.example/pkg-1.0.tar.gz --hash=sha256:" + h1 + "\n"
	f := parseFS(t, map[string]string{"requirements.txt": text}, map[string]string{"TOKEN": "t0k"})
	if len(f.Requirements) != 1 {
		t.Fatalf("got %d requirements, want 1 (problems %q)", len(f.Requirements), problems(f))
	}
	r := f.Requirements[0]
	if r.URL != "https://t0k@files.example/pkg-1.0.tar.gz" ||
		r.WrittenURL != "https://${TOKEN}@files.example/pkg-1.0.tar.gz" {
		t.Errorf("URL, WrittenURL = %q, %q; want the expanded and the written URL",
			r.URL, r.WrittenURL)
	}
}

// TestParseEntryAndProblemLimits: a file of millions of tiny lines keeps
// at most maxEntries entries and lists at most maxProblems problems, with
// one more that counts the rest.
func TestParseEntryAndProblemLimits(t *testing.T) {
	text := strings.Repeat("x\n", maxEntries+5)
	f := parseFS(t, map[string]string{"requirements.txt": text}, nil)
	want := []string{fmt.Sprintf("requirements.txt:%d: "+
		"more than %d requirement and option lines: "+
		"the rest is not read (is this a requirements file?)", maxEntries+1, maxEntries)}
	if diff := cmp.Diff(want, problems(f)); diff != "" || len(f.Requirements) != maxEntries {
		t.Errorf("%d requirements, problems (-want +got):\n%s", len(f.Requirements), diff)
	}

	text = strings.Repeat("=\n", maxProblems+10)
	f = parseFS(t, map[string]string{"requirements.txt": text}, nil)
	got := problems(f)
	last := fmt.Sprintf("requirements.txt:%d: 10 more problems from here on are not listed",
		maxProblems+1)
	if len(got) != maxProblems+1 || got[len(got)-1] != last {
		t.Errorf("got %d problems ending %q, want %d ending %q", len(got), got[len(got)-1],
			maxProblems+1, last)
	}
}

// An included file that does not start with a requirement or an option
// (-r ~/.aws/credentials) is read no further and none of its lines is
// quoted: each problem would quote a line, secrets included. The file
// named on the command line is read whole.
func TestParseIncludedNonRequirements(t *testing.T) {
	creds := "aws_access_key_id = AKIAFAKE\naws_secret_access_key = fakeSecretKey/abc\n"
	f := parseFS(t, map[string]string{
		"requirements.txt": "-r creds\nfoo==1\n",
		"creds":            creds,
	}, nil)
	if len(f.Problems) != 1 || f.Problems[0].File != "creds" || f.Problems[0].Line != 1 ||
		!strings.Contains(f.Problems[0].Message, "read no further") {
		t.Fatalf("problems %v, want one at creds:1", f.Problems)
	}
	for _, pr := range f.Problems {
		if strings.Contains(pr.Message, "AKIA") || strings.Contains(pr.Message, "fakeSecret") {
			t.Errorf("a problem quotes the file: %s", pr.Message)
		}
	}
	if len(f.Requirements) != 1 {
		t.Errorf("%d requirements, want foo alone", len(f.Requirements))
	}
	// The same lines in the file given are each reported.
	f = parseFS(t, map[string]string{"requirements.txt": creds}, nil)
	if len(f.Problems) < 1 || !strings.Contains(f.Problems[0].Message, "aws_access_key_id") {
		t.Errorf("top-level problems %v, want the lines quoted", f.Problems)
	}
	// An included file that starts well keeps every problem.
	f = parseFS(t, map[string]string{
		"requirements.txt": "-r more.txt\n",
		"more.txt":         "bar==1\nfoo==\nbaz===\n",
	}, nil)
	if len(f.Problems) != 2 {
		t.Errorf("problems %v, want foo== and baz=== each", f.Problems)
	}
}

// The files one Parse reads may have 4,000,000 lines in all: each is held
// while its file is parsed, and 60 MB of line breaks took a gigabyte.
func TestParseLineLimit(t *testing.T) {
	half := strings.Repeat("\n", 2_500_000)
	f := parseFS(t, map[string]string{
		"requirements.txt": "-r a.txt\n-r b.txt\nfoo==1\n",
		"a.txt":            "bar==1\n" + half,
		"b.txt":            "baz==1\n" + half,
	}, nil)
	var unread []string
	for _, p := range f.Problems {
		if p.Unread {
			unread = append(unread, fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message))
		}
	}
	want := []string{"b.txt:1: more than 4000000 lines in the files read: this one is not read " +
		"(is it a requirements file?)"}
	if diff := cmp.Diff(want, unread); diff != "" {
		t.Errorf("unread (-want +got):\n%s", diff)
	}
}
