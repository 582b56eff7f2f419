package lockfile

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

var linuxPy311 = markerEnv{
	"implementation_name":            "cpython",
	"implementation_version":         "3.11.7",
	"os_name":                        "posix",
	"platform_machine":               "x86_64",
	"platform_python_implementation": "CPython",
	"platform_release":               "6.1.0-18-amd64",
	"platform_system":                "Linux",
	"platform_version":               "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
	"python_full_version":            "3.11.7",
	"python_version":                 "3.11",
	"sys_platform":                   "linux",
}

func TestEvalMarker(t *testing.T) {
	for _, tc := range []struct {
		marker string
		extras []string
		want   bool
	}{
		{``, nil, true},
		{`python_version >= "3.8"`, nil, true},
		{`python_version < "3.10"`, nil, false},
		{`python_version > "3.9"`, nil, true}, // a version, not a string, comparison
		{`"3.12" <= python_version`, nil, false},
		{`python_full_version ~= '3.11.0'`, nil, true},
		{`sys_platform == "win32"`, nil, false},
		{`sys_platform != "win32" and platform_machine == 'x86_64'`, nil, true},
		{`sys_platform == "win32" or (os_name == "posix" and python_version < "4")`, nil, true},
		{`(sys_platform == "win32" or os_name == "nt") and python_version < "4"`, nil, false},
		{`extra == "socks"`, nil, false},
		{`extra == "socks"`, []string{"socks"}, true},
		{`extra == "Dev_Tools"`, []string{"dev-tools"}, true},
		{`python_version >= "3" and extra == 'fast'`, []string{"fast"}, true},
		{`"linux" in sys_platform`, nil, true},
		{`"arm" not in platform_machine`, nil, true},
		{`platform_python_implementation === "CPython"`, nil, true},
		{`platform_release == "6.1.0-18-amd64"`, nil, true},
	} {
		got, err := evalMarker(tc.marker, linuxPy311, tc.extras)
		if err != nil {
			t.Errorf("evalMarker(%q, %v): %v", tc.marker, tc.extras, err)
			continue
		}
		if got != tc.want {
			t.Errorf("evalMarker(%q, %v) = %t, want %t", tc.marker, tc.extras, got, tc.want)
		}
	}
}

func TestEvalMarkerErrors(t *testing.T) {
	for _, marker := range []string{
		`python_version >= "3.8`,
		`python_version >=`,
		`python_version >= "3" and`,
		`(python_version >= "3"`,
		`no_such_var == "1"`,
		`python_version ! "3"`,
		`python_version >= "3" )`,
		`extra > "x"`,
		`"a" not "b"`,
	} {
		if got, err := evalMarker(marker, linuxPy311, nil); err == nil {
			t.Errorf("evalMarker(%q) = %t, want an error", marker, got)
		}
	}
}

func TestParseDep(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want depSpec
	}{
		{"idna>=2.5", depSpec{name: "idna"}},
		{"Zope.Interface", depSpec{name: "zope-interface"}},
		{`requests[socks, Security]>=2 ; python_version >= "3.8"`,
			depSpec{name: "requests", extras: []string{"socks", "security"},
				marker: `python_version >= "3.8"`}},
		{`PySocks!=1.5.7,>=1.5.6; extra == "socks"`,
			depSpec{name: "pysocks", marker: `extra == "socks"`}},
		{`pkg @ https://example.invalid/p.whl;x ; os_name == "nt"`,
			depSpec{name: "pkg", marker: `os_name == "nt"`}},
	} {
		got, err := parseDep(tc.in)
		if err != nil {
			t.Errorf("parseDep(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(depSpec{})); diff != "" {
			t.Errorf("parseDep(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	if _, err := parseDep("  ; x"); err == nil {
		t.Error(`parseDep("  ; x") succeeded, want an error`)
	}
}

// FuzzEvalMarker: no marker or dependency string makes the parser panic.
func FuzzEvalMarker(f *testing.F) {
	for _, s := range []string{
		`python_version >= "3.8" and (sys_platform == "win32" or extra == 'dev')`,
		`"arm" not in platform_machine`, `os_name===''`, `((`, `extra == `, `a; b ; c`,
		`requests[socks,security]>=2; python_version<"4"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = evalMarker(s, linuxPy311, []string{"dev"})
		_, _ = parseDep(s)
	})
}

// TestSpecContainsPreReleases: pre-releases are allowed, as pip allows
// them for a pin, but "<V" takes no pre-release of V itself unless V is
// one. The answers are those of packaging's SpecifierSet.contains(v,
// prereleases=True) (pip's vendored copy).
func TestSpecContainsPreReleases(t *testing.T) {
	for _, tt := range []struct {
		version, spec string
		want          bool
	}{
		{"2.0rc1", "<2.0", false},
		{"2.0.dev1", "<2.0", false},
		{"2.0a1", "<2", false},
		{"2.0.0rc1", "<2", false},
		{"2.0rc1", "< 2.0", false},
		{"2.0rc1", ">=1.0,<2.0", false},
		{"2.0rc1", "!=1.0,<2.0.0", false},
		{"1.9rc1", "<2.0", true},
		{"2.0rc1", "<2.0rc2", true},
		{"2.0rc1", "<=2.0", true},
		{"2.0rc1", ">=1.0", true},
		{"2.0.post1", ">2.0", false},
		{"2.1", "<2.0", false},
	} {
		if got := satisfies(tt.version, tt.spec); got != tt.want {
			t.Errorf("satisfies(%s, %q) = %v, want %v", tt.version, tt.spec, got, tt.want)
		}
		if got := satisfiesAll(tt.version, []string{tt.spec}); got != tt.want {
			t.Errorf("satisfiesAll(%s, %q) = %v, want %v", tt.version, tt.spec, got, tt.want)
		}
	}
	env := markerEnv{"python_full_version": "3.13.0rc1"}
	if ok, err := evalMarker(`python_full_version < "3.13"`, env, nil); err != nil || ok {
		t.Errorf(`python_full_version < "3.13" with 3.13.0rc1 = %v, %v; want false`, ok, err)
	}
}
