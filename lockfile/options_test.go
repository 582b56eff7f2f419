package lockfile

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShlexSplit(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"--hash=sha256:a  --hash sha256:b", []string{"--hash=sha256:a", "--hash", "sha256:b"},
			false},
		{`-i 'https://h/a b' "x\"y" a\ b`, []string{"-i", "https://h/a b", `x"y`, "a b"}, false},
		{`''`, []string{""}, false},
		{`"a\n"`, []string{`a\n`}, false},
		{`'open`, nil, true},
		{`"open`, nil, true},
		{`trail\`, nil, true},
	}
	for _, tt := range tests {
		got, err := shlexSplit(tt.in)
		if (err != nil) != tt.wantErr || !cmp.Equal(got, tt.want) {
			t.Errorf("shlexSplit(%q) = %q, %v, want %q, error %v",
				tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseOptions(t *testing.T) {
	type hit struct{ Name, Value string }
	tests := []struct {
		in         []string
		want       []hit
		positional []string
		err        string
	}{
		{[]string{"--hash=sha256:a", "--hash", "sha256:b"},
			[]hit{{"hash", "sha256:a"}, {"hash", "sha256:b"}}, nil, ""},
		{[]string{"-rdev.txt", "-c", "c.txt"},
			[]hit{{"requirement", "dev.txt"}, {"constraint", "c.txt"}}, nil, ""},
		{[]string{"--ind", "https://x"}, []hit{{"index-url", "https://x"}}, nil, ""},
		{[]string{"--pypi-url=https://x"}, []hit{{"index-url", "https://x"}}, nil, ""},
		{[]string{"--no-index", "pkg==1"}, []hit{{"no-index", ""}}, []string{"pkg==1"}, ""},
		{[]string{"--pre=yes"}, nil, nil, "--pre option does not take a value"},
		{[]string{"--hash"}, nil, nil, "--hash option requires 1 argument"},
		{[]string{"--in"}, nil, nil, "ambiguous option: --in (--index-url, --install-option?)"},
		{[]string{"--frobnicate"}, nil, nil, "no such option: --frobnicate"},
		{[]string{"-x"}, nil, nil, "no such option: -x"},
		{[]string{"--", "--hash=x"}, nil, []string{"--hash=x"}, ""},
	}
	for _, tt := range tests {
		o, err := parseOptions(tt.in)
		var got []hit
		for _, h := range o.hits {
			got = append(got, hit{h.spec.name, h.value})
		}
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if !cmp.Equal(got, tt.want) || !cmp.Equal(o.positional, tt.positional) ||
			gotErr != tt.err {
			t.Errorf("parseOptions(%q) = %v, %q, %q, want %v, %q, %q",
				tt.in, got, o.positional, gotErr, tt.want, tt.positional, tt.err)
		}
	}
}

func TestBreakArgsOptions(t *testing.T) {
	tests := []struct{ in, args, opts string }{
		{"pkg==1 --hash=sha256:a", "pkg==1", "--hash=sha256:a"},
		{`pkg ; python_version < "3" --hash=x`, `pkg ; python_version < "3"`, "--hash=x"},
		{"--hash=x pkg==1", "", "--hash=x pkg==1"},
		{"pkg==1\t--hash=x", "pkg==1\t--hash=x", ""},
		{"pkg==1", "pkg==1", ""},
	}
	for _, tt := range tests {
		args, opts := breakArgsOptions(tt.in)
		if args != tt.args || opts != tt.opts {
			t.Errorf("breakArgsOptions(%q) = %q, %q, want %q, %q",
				tt.in, args, opts, tt.args, tt.opts)
		}
	}
}

// splitWords has a path for text with spaces only and one for text with
// TABs, CRs or LFs too: both split the same way.
func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"a", []string{"a"}},
		{"  a  b ", []string{"a", "b"}},
		{"--hash=sha256:a    --hash=sha256:b", []string{"--hash=sha256:a", "--hash=sha256:b"}},
		{"a\tb", []string{"a", "b"}},
		{" \t a \r\n b\t", []string{"a", "b"}},
		{"a\vb\fc", []string{"a\vb\fc"}}, // shlex splits only at these four
		{"\xff \xfe", []string{"\xff", "\xfe"}},
	}
	for _, tt := range tests {
		if got := splitWords(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := splitWhitespace(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("splitWhitespace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
