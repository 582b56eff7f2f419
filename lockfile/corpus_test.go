package lockfile

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// corpusParse states what Parse must find in each file of the corpus:
// entries, constraints, unsafe-trailer packages, and the problems as
// "file:line rule". Files not listed make the test fail, so a new corpus
// file needs a row.
var corpusParse = []struct {
	path                string
	reqs, cons, unsafe  int
	problems            []string
	notRequirementsFile bool
}{
	// The input of pip-compile in that project, not a requirements file:
	// every TOML line is a syntax problem, and Parse must still not fail.
	{path: "cocotools-dev-pyproject/pyproject.toml", notRequirementsFile: true},
	// pip-compile without --allow-unsafe: "# pip" and "# setuptools".
	{path: "cocotools-dev-pyproject/requirements.txt", reqs: 12, unsafe: 2},
	{path: "electrum-hashin/requirements.in", reqs: 11},
	{path: "electrum-hashin/requirements.txt", reqs: 27},
	{path: "jax-pipcompile-bazel/requirements.in", reqs: 15},
	{path: "jax-pipcompile-bazel/requirements.txt", reqs: 101},
	{path: "jax-pipcompile-bazel/inputs/nonfreethreading-requirements.txt", reqs: 6},
	{path: "jax-pipcompile-bazel/inputs/nvidia-requirements.txt", reqs: 26},
	{path: "jax-pipcompile-bazel/inputs/test-requirements.txt", reqs: 14},
	{path: "manylinux-2022/requirements.in", reqs: 4},
	{path: "manylinux-2022/requirements.txt", reqs: 8},
	{path: "manylinux-uv/requirements.in", reqs: 3},
	{path: "manylinux-uv/requirements.txt", reqs: 7},
	{path: "pontoon-2020-hand/constraints.txt", reqs: 69},
	// Line 41 (Django) lacks its "\": lines 42-43 are --hash lines that pip
	// ignores. Lines 140 and 143 are #egg=name==version URLs, which pip
	// 25.0 and later refuse.
	{path: "pontoon-2020-hand/requirements.txt", reqs: 37, cons: 69, problems: []string{
		"requirements.txt:42 syntax", "requirements.txt:43 syntax",
		"requirements.txt:140 syntax", "requirements.txt:143 syntax"}},
	{path: "pontoon-2024/requirements.in", reqs: 39},
	{path: "pontoon-2024/requirements.txt", reqs: 114, unsafe: 1},
	{path: "pontoon-dev-uv/base.in", reqs: 34},
	{path: "pontoon-dev-uv/prod.in", reqs: 35}, // with -r base.in
	{path: "pontoon-dev-uv/prod.txt", reqs: 116},
	// "-c prod.txt": uv accepts extras in constraints, pip refuses them
	// (django-stubs[compatible-mypy] … are pinned with extras in prod.txt).
	{path: "pontoon-dev-uv/requirements.in", reqs: 47, cons: 116, problems: []string{
		"prod.txt:437 syntax", "prod.txt:482 syntax", "prod.txt:500 syntax",
		"prod.txt:521 syntax", "prod.txt:983 syntax", "prod.txt:1297 syntax"}},
	{path: "pontoon-dev-uv/requirements.txt", reqs: 138},
	{path: "rhc-worker-playbook/requirements.in", reqs: 2},
	{path: "rhc-worker-playbook/requirements.txt", reqs: 9},
	{path: "securedrop-admin/requirements-ansible.in", reqs: 6},
	{path: "securedrop-admin/requirements.in", reqs: 6},
	{path: "securedrop-admin/requirements.txt", reqs: 16},
	{path: "securedrop-client-2022/build-requirements.txt", reqs: 15},
	{path: "securedrop-client-2022/requirements.in", reqs: 15},
	{path: "securedrop-client-2022/requirements.txt", reqs: 15},
	{path: "sigstore-python-install/requirements.in", reqs: 1},
	{path: "sigstore-python-install/requirements.txt", reqs: 32},
	{path: "socorro-2026/requirements.in", reqs: 60},
	{path: "socorro-2026/requirements.txt", reqs: 125, unsafe: 2},
	{path: "treeherder-2018-hand/requirements.txt", reqs: 63},
	{path: "treeherder-common/requirements.in", reqs: 36},
	{path: "treeherder-common/requirements.txt", reqs: 154},
	{path: "warehouse-main-2021/requirements.in", reqs: 63},
	{path: "warehouse-main-2021/requirements.txt", reqs: 122},
}

func TestParseCorpus(t *testing.T) {
	dir := testparts.Shared(t, "corpus/requirements")
	listed := map[string]bool{}
	for _, tt := range corpusParse {
		listed[tt.path] = true
		path := filepath.Join(dir, filepath.FromSlash(tt.path))
		f, err := Parse(path, ParseOptions{})
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.path, err)
			continue
		}
		if tt.notRequirementsFile {
			if len(f.Problems) == 0 {
				t.Errorf("Parse(%s): no problems, want one per TOML line", tt.path)
			}
			continue
		}
		var got []string
		for _, p := range f.Problems {
			rel, _ := filepath.Rel(filepath.Dir(path), p.File)
			got = append(got, fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), p.Line, p.Rule))
		}
		if diff := cmp.Diff(tt.problems, got); diff != "" {
			t.Errorf("Parse(%s) problems mismatch (-want +got):\n%s", tt.path, diff)
		}
		if len(f.Requirements) != tt.reqs || len(f.Constraints) != tt.cons ||
			len(f.Unsafe) != tt.unsafe {
			t.Errorf("Parse(%s) = %d requirements, %d constraints, %d unsafe; want %d, %d, %d",
				tt.path, len(f.Requirements), len(f.Constraints), len(f.Unsafe),
				tt.reqs, tt.cons, tt.unsafe)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("corpus file %s has no row in corpusParse", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// corpusVerify states what Verify must report for each lockfile of the
// corpus ("line rule package"), with --in requirements.in where the item
// has one for that lockfile. Most are clean; the comments say why the
// others are not.
var corpusVerify = []struct {
	path     string
	in       string
	findings []string
}{
	// pip-compile without --allow-unsafe left pip and setuptools out.
	{"cocotools-dev-pyproject/requirements.txt", "", []string{
		"101 unsafe-unpinned pip", "102 unsafe-unpinned setuptools"}},
	{"electrum-hashin/requirements.txt", "requirements.in", nil},
	{"jax-pipcompile-bazel/requirements.txt", "requirements.in", nil},
	{"manylinux-2022/requirements.txt", "requirements.in", nil},
	{"manylinux-uv/requirements.txt", "requirements.in", nil},
	{"pontoon-2020-hand/constraints.txt", "", nil},
	// Django's entry lacks a "\" on line 41, so pip ignores two of its
	// hashes; the two #egg=name==version URLs are refused by pip 25.0+.
	{"pontoon-2020-hand/requirements.txt", "", []string{
		"42 syntax ", "43 syntax ", "140 syntax ", "143 syntax "}},
	// Without --allow-unsafe: "# setuptools" in the WARNING trailer.
	{"pontoon-2024/requirements.txt", "requirements.in",
		[]string{"1257 unsafe-unpinned setuptools"}},
	{"pontoon-dev-uv/prod.txt", "prod.in", nil},
	{"pontoon-dev-uv/requirements.txt", "requirements.in", nil},
	{"rhc-worker-playbook/requirements.txt", "requirements.in", nil},
	{"securedrop-admin/requirements.txt", "requirements.in", nil},
	{"securedrop-client-2022/build-requirements.txt", "", nil},
	{"securedrop-client-2022/requirements.txt", "requirements.in", nil},
	{"sigstore-python-install/requirements.txt", "requirements.in", nil},
	// Without --allow-unsafe: "# pip" and "# setuptools".
	{"socorro-2026/requirements.txt", "requirements.in", []string{
		"1489 unsafe-unpinned pip", "1490 unsafe-unpinned setuptools"}},
	{"treeherder-2018-hand/requirements.txt", "", nil},
	{"treeherder-common/requirements.txt", "requirements.in", nil},
	{"warehouse-main-2021/requirements.txt", "requirements.in", nil},
}

func TestVerifyCorpus(t *testing.T) {
	dir := testparts.Shared(t, "corpus/requirements")
	for _, tt := range corpusVerify {
		path := filepath.Join(dir, filepath.FromSlash(tt.path))
		f, err := Parse(path, ParseOptions{})
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.path, err)
			continue
		}
		var opts VerifyOptions
		if tt.in != "" {
			in, err := Parse(filepath.Join(filepath.Dir(path), tt.in), ParseOptions{})
			if err != nil {
				t.Errorf("Parse(%s): %v", tt.in, err)
				continue
			}
			opts.Checks = append(opts.Checks, InputCheck(in))
		}
		rep, err := Verify(context.Background(), f, opts)
		if err != nil {
			t.Errorf("Verify(%s): %v", tt.path, err)
			continue
		}
		var got []string
		for _, x := range rep.Findings {
			got = append(got, fmt.Sprintf("%d %s %s", x.Line, x.Rule, x.Package))
		}
		if diff := cmp.Diff(tt.findings, got); diff != "" {
			t.Errorf("Verify(%s) mismatch (-want +got):\n%s", tt.path, diff)
		}
	}
}
