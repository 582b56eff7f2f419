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
