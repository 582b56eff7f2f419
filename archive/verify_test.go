package archive

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// problemKinds returns "kind path" for each problem, warnings marked.
func problemKinds(rep *Report) []string {
	var out []string
	for _, p := range rep.Problems {
		s := p.Kind + " " + p.Path
		if p.Warning {
			s += " (warning)"
		}
		out = append(out, s)
	}
	return out
}

func TestVerify(t *testing.T) {
	doc := "agent/v1.0.0/agent_v1.0.0.cdx.json"
	tests := []struct {
		name   string
		damage func(t *testing.T, s *Store, dir string)
		want   []string // problems, as problemKinds prints them
	}{
		{"clean", func(*testing.T, *Store, string) {}, nil},
		{"altered document", func(t *testing.T, _ *Store, dir string) {
			data := cdxDoc("one", 2)
			data[len(data)-3] = ' '
			write(t, dir, doc, data)
		}, []string{"altered " + doc}},
		{"grown document", func(t *testing.T, _ *Store, dir string) {
			write(t, dir, doc, append(cdxDoc("one", 2), ' '))
		}, []string{"altered " + doc}},
		{"missing document", func(t *testing.T, _ *Store, dir string) {
			remove(t, dir, doc)
		}, []string{"missing " + doc}},
		{"altered sums", func(t *testing.T, _ *Store, dir string) {
			write(t, dir, "agent/v1.0.0/SHA256SUMS", []byte("0000  agent_v1.0.0.cdx.json\n"))
		}, []string{"altered agent/v1.0.0/SHA256SUMS"}},
		{"unlisted file in a release", func(t *testing.T, _ *Store, dir string) {
			write(t, dir, "agent/v1.0.0/extra.cdx.json", cdxDoc("x", 1))
		}, []string{"unlisted agent/v1.0.0/extra.cdx.json"}},
		{"unlisted file at the top", func(t *testing.T, _ *Store, dir string) {
			write(t, dir, "notes.txt", []byte("hello\n"))
		}, []string{"unlisted notes.txt"}},
		{"edited page", func(t *testing.T, _ *Store, dir string) {
			data := read(t, dir, indexHTML)
			write(t, dir, indexHTML, []byte(strings.Replace(string(data), "agent", "agemt", 1)))
		}, []string{"index index.html"}},
		{"edited index", func(t *testing.T, _ *Store, dir string) {
			data := read(t, dir, indexJSON)
			edited := strings.Replace(string(data), `"components": 2`, `"components": 20`, 1)
			write(t, dir, indexJSON, []byte(edited))
		}, []string{"index agent/v1.0.0/release.json", "index index.json"}},
		{"symlink", func(t *testing.T, _ *Store, dir string) {
			link := filepath.Join(dir, "agent", "v1.0.0", "passwd")
			if err := os.Symlink("/etc/passwd", link); err != nil {
				t.Fatal(err)
			}
		}, []string{"unlisted agent/v1.0.0/passwd", "symlink agent/v1.0.0/passwd"}},
		{"leftover temporary file", func(t *testing.T, _ *Store, dir string) {
			write(t, dir, "agent/v1.0.0/agent_v1.0.0.cdx.json.18a3c0ffee.tmp", []byte("{"))
		}, []string{"leftover agent/v1.0.0/agent_v1.0.0.cdx.json.18a3c0ffee.tmp (warning)"}},
		{"incomplete add", func(t *testing.T, _ *Store, dir string) {
			write(t, dir, "agent/v2.0.0/agent_v2.0.0.cdx.json", cdxDoc("two", 2))
		}, []string{"incomplete agent/v2.0.0/ (warning)"}},
		{"pending release", func(t *testing.T, s *Store, dir string) {
			const key = "agent/v2.0.0/agent_v2.0.0.cdx.json"
			p := addPlan{
				now:    epoch,
				docs:   []Document{mustDetect(t, key, cdxDoc("two", 2))},
				writes: []pendingWrite{{key: key, data: cdxDoc("two", 2)}},
			}
			opts := AddOptions{Product: "agent", Release: "v2.0.0"}
			if err := s.commit(context.Background(), opts, nil, "", p); err != nil {
				t.Fatal(err)
			}
		}, []string{"pending agent/v2.0.0/ (warning)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := newFileStore(t)
			mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
			tt.damage(t, s, dir)
			rep, err := s.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, problemKinds(rep)); diff != "" {
				t.Errorf("Verify problems (-want +got):\n%s", diff)
			}
			if rep.Releases != 1 || rep.Documents < 2 {
				t.Errorf("Verify counted %d releases, %d documents; want 1 and at least 2",
					rep.Releases, rep.Documents)
			}
		})
	}
}

// TestAddRepairs: after an interrupted add, the same add again finishes
// the release and verify is clean.
func TestAddRepairs(t *testing.T) {
	s, dir := newFileStore(t)
	mustAdd(t, s, "agent", "v1.0.0", release("one", 2))
	write(t, dir, "agent/v2.0.0/agent_v2.0.0.cdx.json", cdxDoc("two", 2))
	write(t, dir, "index.json.18a3c0ffee.tmp", []byte("{"))
	mustAdd(t, s, "agent", "v2.0.0", release("two", 2))
	rep, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := problemKinds(rep); len(got) != 0 || rep.Releases != 2 {
		t.Errorf("Verify after the repeated add: %d releases, problems %q; want 2 and none",
			rep.Releases, got)
	}
}

func mustDetect(t *testing.T, path string, data []byte) Document {
	t.Helper()
	d, err := Detect(path, data)
	if err != nil {
		t.Fatal(err)
	}
	d.Path = path
	return d
}

func write(t *testing.T, dir, key string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
}

func read(t testing.TB, dir, key string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func remove(t *testing.T, dir, key string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(key))); err != nil {
		t.Fatal(err)
	}
}

// TestAddAfterInterruptedAddWithOtherBytes: documents an interrupted add
// left behind are immutable too, but --replace may overwrite them, and
// since they were never published the index records no replacement.
func TestAddAfterInterruptedAddWithOtherBytes(t *testing.T) {
	ctx := context.Background()
	s, dir := newFileStore(t)
	write(t, dir, "agent/v2.0.0/agent_v2.0.0.cdx.json", cdxDoc("first try", 2))
	_, err := s.Add(ctx, AddOptions{Product: "agent", Release: "v2.0.0",
		Files: release("second try", 2)})
	if err == nil || !strings.Contains(err.Error(), "from an interrupted add") {
		t.Fatalf("Add over an interrupted add's other bytes: %v, want a refusal naming it", err)
	}
	if _, err := s.Add(ctx, AddOptions{Product: "agent", Release: "v2.0.0",
		Files: release("second try", 2), Replace: true}); err != nil {
		t.Fatal(err)
	}
	ix, err := s.Index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := ix.Products[0].Releases[0]
	if len(r.Replaced) != 0 || r.Documents[0].SHA256 != digest(cdxDoc("second try", 2)) {
		t.Errorf("release %+v: want the second documents and no replacement record", r)
	}
	if rep, err := s.Verify(ctx); err != nil || len(rep.Problems) != 0 {
		t.Errorf("verify: %v %+v", err, rep)
	}
}
