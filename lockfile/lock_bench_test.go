package lockfile

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/sentrikat/sbompipe/internal/pyindex"
)

// BenchmarkSourcesFiles asks an index on 127.0.0.1 for the files of 200
// pinned versions (4 files each), as the pip backend and verify --index do.
func BenchmarkSourcesFiles(b *testing.B) {
	for _, tc := range []struct {
		name string
		omit bool
	}{{"hashes-listed", false}, {"hashes-downloaded", true}} {
		b.Run(tc.name, func(b *testing.B) {
			x := pyindex.New(b)
			var releases []Release
			for i := 0; i < 200; i++ {
				name := fmt.Sprintf("pkg%03d", i)
				x.Add(pyindex.Release{Name: name, Version: "1.0", Sdist: true,
					Tags: []string{"py3-none-any", "cp312-cp312-win_amd64",
						"cp312-cp312-manylinux_2_17_x86_64"}})
				releases = append(releases, Release{Name: name, Version: "1.0"})
			}
			x.OmitHashes(tc.omit)
			s := &Sources{IndexURLs: []string{x.URL()}}
			b.ResetTimer()
			for b.Loop() {
				files, err := s.Files(context.Background(), releases)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(files[releases[0]]); n != 4 {
					b.Fatalf("%d files, want 4", n)
				}
			}
		})
	}
}

// BenchmarkWrite renders a lockfile of 1,000 pins with 4 hashes each.
func BenchmarkWrite(b *testing.B) {
	res := &Resolution{Command: "sbompipe lock", Python: "3.12"}
	for i := 0; i < 1000; i++ {
		p := Pin{Name: fmt.Sprintf("Pkg_%04d", i), Version: "1.0",
			Via: []string{"-r requirements.in", "other"}}
		for h := 0; h < 4; h++ {
			p.Hashes = append(p.Hashes, fmt.Sprintf("sha256:%064x", i*4+h))
		}
		res.Pins = append(res.Pins, p)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}
