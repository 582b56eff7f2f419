package lockfile

import "testing"

// Canonical returns a name that is canonical already as it is, without
// building it again; the edges of that shortcut.
func TestCanonicalEdges(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"django", "django"},
		{"Django", "django"},
		{"zope.interface", "zope-interface"},
		{"Zope_Interface", "zope-interface"},
		{"a--b", "a-b"},
		{"a-_.-b", "a-b"},
		{"-a-", "-a-"},
		{"--a--", "-a-"},
		{"a1-b2", "a1-b2"},
		{"Ünïcode", "ünïcode"},
		{"ünïcode", "ünïcode"},
	} {
		if got := Canonical(tt.in); got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
