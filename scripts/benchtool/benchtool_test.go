package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseGNUTime(t *testing.T) {
	for _, tc := range []struct {
		text    string
		want    int64
		wantErr bool
	}{
		{"\tCommand being timed: \"x\"\n" +
			"\tMaximum resident set size (kbytes): 71620\n\tExit status: 0\n", 71620, false},
		{"Command exited with non-zero status 2\n" +
			"\tMaximum resident set size (kbytes): 10\n\tExit status: 2\n", 0, true},
		{"\tExit status: 0\n", 0, true},
		{"\tMaximum resident set size (kbytes): many\n\tExit status: 0\n", 0, true},
	} {
		got, err := parseGNUTime(tc.text)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("parseGNUTime(%q) = %d, %v; want %d, error %t",
				tc.text, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		peer      string
		wall, rss float64
		want      string
	}{
		{"syft", 31, 3.5, "met"},
		{"syft", 12, 2, "missed: wall 12× < 30×, RSS 2.0× < 3.0×"},
		{"cyclonedx-gomod bin", 10, 0.5, "met"},
		{"cyclonedx-gomod mod", 7.25, 5, "missed: wall 7.2× < 10×"},
		{"trivy", 1, 1, "—"},
	} {
		if got := verdict(tc.peer, tc.wall, tc.rss); got != tc.want {
			t.Errorf("verdict(%q, %v, %v) = %q, want %q", tc.peer, tc.wall, tc.rss, got, tc.want)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{seconds(0.0000123), "12.3 µs"}, {seconds(0.0213), "21.3 ms"}, {seconds(2.4567), "2.46 s"},
		{thousands(0), "0"}, {thousands(999), "999"}, {thousands(30000), "30,000"},
		{thousands(-1234567), "-1,234,567"},
		{times(82.4), "82×"}, {times(2.44), "2.4×"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestReport runs the record, stats and report steps the way compare.sh
// does, on a hyperfine export, a GNU time output and a document.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	hyperfine := func(wall string) string {
		return write("h.json", `{"results": [{"command": "x", "times": [`+wall+`], `+
			`"user": 0.01, "system": 0.005, "exit_codes": [0]}]}`)
	}
	gnuTime := write("time.txt", "\tMaximum resident set size (kbytes): 20480\n\tExit status: 0\n")
	doc := write("d.cdx.json", `{"bomFormat": "CycloneDX", "specVersion": "1.6", `+
		`"components": [{"type": "library", "name": "a"}]}`)

	var runs, contents bytes.Buffer
	for i, tc := range []struct{ input, tool, wall string }{
		{"requirements-30", "sbompipe", "0.02"}, {"requirements-30", "syft", "1.2"},
		{"requirements-3000", "sbompipe", "0.2"}, {"requirements-3000", "syft", "3"},
		{"requirements-30000", "sbompipe", "2.02"}, {"requirements-30000", "syft", "30"},
		{"release-x", "sbompipe", "0.5"}, {"release-x", "sbompipe --no-licenses", "1.5"},
	} {
		args := []string{"record", "-input", tc.input, "-tool", tc.tool, "-round", "1",
			hyperfine(tc.wall), gnuTime}
		if err := benchtool(args, &runs); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	stats := []string{"stats", "-input", "requirements-30", "-tool", "sbompipe", doc}
	if err := benchtool(stats, &contents); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := benchtool([]string{"report",
		write("runs.tsv", runs.String()), write("contents.tsv", contents.String())}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| requirements-30 | sbompipe | 1 | 20 ms | 15 ms | 20 MiB |",
		"| requirements-3000 | sbompipe | syft | 15× | 1.0× | 1.0× | " +
			"missed: wall 15× < 30×, RSS 1.0× < 3.0× |",
		"| sbompipe | 30,000 | 2.02 s | 67.3 µs | 1.01 | 66.7 µs | 1.11 |",
		"| requirements-30 | sbompipe | CycloneDX 1.6 | 1 | 0 | 0 | 0 | 0 | 0 | 0 |",
		"| release-x | sbompipe | 500 ms | 20 MiB | met |",
		"| release-x | sbompipe --no-licenses | 1.5 s | 20 MiB | missed: wall 1.5 s ≥ 1 s |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks the line\n%s\nreport:\n%s", want, out.String())
		}
	}
}

func TestRecordRefusesFailure(t *testing.T) {
	dir := t.TempDir()
	h := filepath.Join(dir, "h.json")
	g := filepath.Join(dir, "t.txt")
	for path, content := range map[string]string{
		h: `{"results": [{"command": "x", "times": [1], "exit_codes": [2]}]}`,
		g: "\tMaximum resident set size (kbytes): 1\n\tExit status: 0\n",
	} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := benchtool([]string{"record", h, g}, &bytes.Buffer{}); err == nil {
		t.Error("record of a run that exited 2: nil error, want one")
	}
}
