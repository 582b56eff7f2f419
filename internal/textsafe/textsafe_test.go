package textsafe

import "testing"

func TestControl(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, é and ✓", "plain text, é and ✓"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"tab\there\r\n", `tab\there\r\n`},
		{"abc\u202egnp.exe", `abc\u202egnp.exe`},
		{"bad \xff byte", `bad \xff byte`},
		{"\u0085 and \x7f", `\u0085 and \x7f`},
	}
	for _, tt := range tests {
		if got := Control(tt.in); got != tt.want {
			t.Errorf("Control(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "first \x1b]0;title\x07\nsecond\r\nthird \u202e"
	want := `first \x1b]0;title\a` + "\n" + `second\r` + "\n" + `third \u202e`
	if got := Lines(in); got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
	if got := Lines(want); got != want {
		t.Errorf("Lines is not idempotent: %q", got)
	}
}

func TestHasControl(t *testing.T) {
	for s, want := range map[string]bool{
		"1.0": false, "é ✓": false, "1.0\x1b[31m": true, "a\u202eb": true, "\xff": true,
		"tab\there": true,
	} {
		if got := HasControl(s); got != want {
			t.Errorf("HasControl(%q) = %v, want %v", s, got, want)
		}
	}
}
