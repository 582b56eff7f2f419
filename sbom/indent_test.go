package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// indentWant is what encoding/json's Encoder writes with SetIndent("", "  ")
// for the compact JSON src (which ends in a newline, as Encoder writes it).
func indentWant(t testing.TB, src []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, src, "", "  "); err != nil {
		t.Fatalf("json.Indent(%q): %v", src, err)
	}
	return buf.Bytes()
}

// indented writes src to a jsonIndenter in writes of split bytes.
func indented(src []byte, split int) []byte {
	var x jsonIndenter
	for len(src) > 0 {
		n := min(split, len(src))
		x.Write(src[:n])
		src = src[n:]
	}
	return x.out
}

func TestJSONIndenter(t *testing.T) {
	for _, src := range []string{
		`{}`, `[]`, `{"a":[]}`, `{"a":{},"b":[{}]}`, `[1,-2.5e+10,true,false,null]`,
		`{"q":"say \"hi\"","bs":"C:\\","both":"\\\"","u":"\u003c\u2028","k:":":,{}[]"}`,
		`{"a":{"b":{"c":[["x"],[]]}}}`, `"top"`, `42`,
	} {
		in := []byte(src + "\n")
		for _, split := range []int{len(in), 1} {
			if got, want := indented(in, split), indentWant(t, in); !bytes.Equal(got, want) {
				t.Errorf("jsonIndenter, writes of %d bytes: %s = %q, want %q",
					split, src, got, want)
			}
		}
	}
}

// FuzzJSONIndenter checks jsonIndenter against encoding/json on any
// valid JSON, compacted first as encoding/json writes it, written whole
// and in pieces.
func FuzzJSONIndenter(f *testing.F) {
	for _, name := range []string{"cyclonedx-json1.6.cdx.json", "spdx-json.spdx.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(7))
	}
	f.Add([]byte(`{"a":"\\\\\"","b":[{},[],""]}`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		if !json.Valid(data) {
			return
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		compact.WriteByte('\n')
		want := indentWant(t, compact.Bytes())
		for _, n := range []int{compact.Len(), int(split) + 1} {
			if got := indented(compact.Bytes(), n); !bytes.Equal(got, want) {
				t.Errorf("jsonIndenter, writes of %d bytes: %q = %q, want %q",
					n, compact.Bytes(), got, want)
			}
		}
	})
}
