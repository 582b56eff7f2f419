package sbom

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzGoSum checks that reading a go.sum never panics, and that every
// hash it keeps decodes to a SHA-256.
func FuzzGoSum(f *testing.F) {
	f.Add("example.com/a v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	f.Add("example.com/a v1.0.0/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n")
	f.Add("a b c\nbroken\n")
	f.Add("x v1 h1:\x00\xff")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(dir, "go.sum")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sums := goSums{}
		_ = sums.read(path) // errors are expected; panics are not
		for key, h1 := range sums {
			if _, ok := h1Hex(h1); !ok {
				t.Errorf("kept %s with an undecodable hash %q", key, h1)
			}
		}
	})
}
