package lockfile

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\n\n", []string{"a", ""}},
		{"a\r\nb", []string{"a", "b"}},
		{"a\rb\r", []string{"a", "b"}},
		{"a\r\rb", []string{"a", "", "b"}},
		{"a\n\rb", []string{"a", "", "b"}},
		{"a\vb\fc", []string{"a", "b", "c"}},
		{"a\x1cb\x1dc\x1ed\x1fe", []string{"a", "b", "c", "d\x1fe"}},
		{"a\u0085b\u2028c\u2029d", []string{"a", "b", "c", "d"}},
		{"a\tb", []string{"a\tb"}},
	}
	for _, tt := range tests {
		if got := splitLines(tt.in, 0); !cmp.Equal(got, tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("splitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoinLines(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []logical
	}{
		{"no continuation", []string{"a", "b"},
			[]logical{{1, 1, "a"}, {2, 2, "b"}}},
		{"nothing inserted", []string{`pkg==1 \`, `    --hash=sha256:a`},
			[]logical{{1, 2, "pkg==1     --hash=sha256:a"}}},
		{"no indent glues", []string{`pkg==1 \`, `--hash=sha256:a\`, `--hash=sha256:b`},
			[]logical{{1, 3, "pkg==1 --hash=sha256:a--hash=sha256:b"}}},
		{"backslashes stripped at both ends", []string{`\a\\`, `b`},
			[]logical{{1, 2, "ab"}}},
		{"comment line ends it",
			[]string{`pkg==1 \`, `  --hash=sha256:a \`, `    # via x`, `next`},
			[]logical{{1, 3, "pkg==1   --hash=sha256:a      # via x"}, {4, 4, "next"}}},
		{"comment line never continues", []string{`# note \`, `pkg==1`},
			[]logical{{1, 1, `# note \`}, {2, 2, "pkg==1"}}},
		{"blank line ends it", []string{`pkg==1 \`, ``, `--hash=sha256:a`},
			[]logical{{1, 2, "pkg==1 "}, {3, 3, "--hash=sha256:a"}}},
		{"space after backslash is no continuation", []string{`pkg==1 \ `, `x`},
			[]logical{{1, 1, `pkg==1 \ `}, {2, 2, "x"}}},
		{"backslash on the last line", []string{`a`, `pkg==1 \`},
			[]logical{{1, 1, "a"}, {2, 2, "pkg==1 "}}},
	}
	for _, tt := range tests {
		got := slices.Collect(joinLines(tt.in))
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(logical{})); diff != "" {
			t.Errorf("%s: joinLines(%q) mismatch (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

func TestStripComment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# all", ""},
		{"  # all", ""},
		{"pkg==1 # note", "pkg==1"},
		{"pkg==1\t# note", "pkg==1"},
		{"https://h/p.whl#sha256=ab", "https://h/p.whl#sha256=ab"},
		{"https://h/p.zip#egg=p # c", "https://h/p.zip#egg=p"},
		{"pkg==1 --hash=sha256:ab#x", "pkg==1 --hash=sha256:ab#x"},
		{"pkg==1 # a \u00a0# b", "pkg==1"},
		{"\u3000pkg==1\u00a0", "pkg==1"},
	}
	for _, tt := range tests {
		if got := stripComment(tt.in); got != tt.want {
			t.Errorf("stripComment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"TOKEN": "s3cret", "HOST": "pypi.example", "EMPTY": "", "lower": "no"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		in, want string
		set      []envVar
		unset    []string
	}{
		{"https://${TOKEN}@${HOST}/simple", "https://s3cret@pypi.example/simple",
			[]envVar{{"TOKEN", "s3cret"}, {"HOST", "pypi.example"}}, nil},
		{"${TOKEN}${TOKEN}", "s3cret" + "s3cret", []envVar{{"TOKEN", "s3cret"}}, nil},
		{"$TOKEN %TOKEN% ${lower}", "$TOKEN %TOKEN% ${lower}", nil, nil},
		{"${EMPTY}/${MISSING}", "${EMPTY}/${MISSING}", nil, []string{"EMPTY", "MISSING"}},
	}
	for _, tt := range tests {
		got, set, unset := expandEnv(tt.in, getenv)
		if got != tt.want || !cmp.Equal(set, tt.set, cmp.AllowUnexported(envVar{})) ||
			!cmp.Equal(unset, tt.unset) {
			t.Errorf("expandEnv(%q) = %q, %v, %q, want %q, %v, %q", tt.in, got, set, unset,
				tt.want, tt.set, tt.unset)
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    string
		problem bool
	}{
		{"utf-8", []byte("pkg==1\n"), "pkg==1\n", false},
		{"utf-8 bom", []byte("\xef\xbb\xbfpkg==1"), "pkg==1", false},
		{"utf-16 le bom", []byte("\xff\xfep\x00=\x00"), "p=", false},
		{"utf-16 be bom", []byte("\xfe\xff\x00p\x00="), "p=", false},
		{"utf-32 le bom", []byte("\xff\xfe\x00\x00p\x00\x00\x00"), "p", false},
		{"utf-32 be bom", []byte("\x00\x00\xfe\xff\x00\x00\x00p"), "p", false},
		{"pep 263 latin-1", []byte("# -*- coding: latin-1 -*-\ncaf\xe9==1"),
			"# -*- coding: latin-1 -*-\ncafé==1", false},
		{"pep 263 on line 2", []byte("#\n# coding=latin-1\n\xe9"),
			"#\n# coding=latin-1\né", false},
		{"pep 263 on line 3 is ignored", []byte("#\n#\n# coding=latin-1\n\xe9"),
			"#\n#\n# coding=latin-1\n\ufffd", true},
		{"unknown codec", []byte("# coding: klingon\nx"), "# coding: klingon\nx", true},
		{"invalid utf-8", []byte("p\xff"), "p\ufffd", true},
	}
	for _, tt := range tests {
		got, problem := decode(tt.in)
		if got != tt.want || (problem != "") != tt.problem {
			t.Errorf("%s: decode(%q) = %q, %q, want %q, problem %v",
				tt.name, tt.in, got, problem, tt.want, tt.problem)
		}
	}
}
