package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/sentrikat/sbompipe/archive"
	"github.com/sentrikat/sbompipe/internal/benchinput"
	"github.com/sentrikat/sbompipe/sbom"
)

// writeGoModSubset writes into dst a go.mod holding the first n
// requirements of the go.mod in src, and a go.sum with their lines of
// src's go.sum: a real module of n components, all in the module cache
// when src's are.
func writeGoModSubset(src, dst string, n int) error {
	path := filepath.Join(src, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return err
	}
	if len(f.Require) < n {
		return fmt.Errorf("%s has %d requirements, fewer than %d", path, len(f.Require), n)
	}
	keep := map[string]bool{}
	var mod strings.Builder
	fmt.Fprintf(&mod, "module example.com/bench/app\n\ngo %s\n\nrequire (\n", f.Go.Version)
	for _, r := range f.Require[:n] {
		keep[r.Mod.Path+" "+r.Mod.Version] = true
		fmt.Fprintf(&mod, "\t%s %s\n", r.Mod.Path, r.Mod.Version)
	}
	mod.WriteString(")\n")
	sums, err := os.ReadFile(filepath.Join(src, "go.sum"))
	if err != nil {
		return err
	}
	var sum strings.Builder
	for _, line := range strings.Split(string(sums), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 3 && keep[fields[0]+" "+strings.TrimSuffix(fields[1], "/go.mod")] {
			sum.WriteString(line + "\n")
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "go.mod"), []byte(mod.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, "go.sum"), []byte(sum.String()), 0o644)
}

// seedArchive adds n releases of product to the folder store at dir with
// archive.Store.Add, as `sbompipe archive add` would, each with a
// CycloneDX and an SPDX document of 20 Python components, published a
// minute apart. It leaves a store that already holds them alone.
func seedArchive(ctx context.Context, dir, product string, n int) error {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		return nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	req := filepath.Join(os.TempDir(), fmt.Sprintf("benchtool-seed-%d.txt", os.Getpid()))
	var buf bytes.Buffer
	if err = (benchinput.Requirements{Entries: 20, Seed: 1}).Write(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(req, buf.Bytes(), 0o644); err != nil {
		return err
	}
	defer os.Remove(req)

	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	store, err := archive.Open(ctx, "file://"+dir, archive.Options{Create: true, Now: clock})
	if err != nil {
		return err
	}
	formats := []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON}
	for i := range n {
		release := fmt.Sprintf("v1.%d.%d", i/100, i%100)
		now = start.Add(time.Duration(i) * time.Minute)
		in := sbom.Inputs{
			Subject: sbom.Subject{Name: product, Version: release},
			Python:  []string{req},
		}
		bom, err := sbom.Collect(ctx, in)
		if err != nil {
			store.Close()
			return err
		}
		bom.Tool, bom.Timestamp = sbom.Tool{Name: "sbompipe", Version: "benchtool"}, now
		docs, _, err := sbom.EncodeAll(bom, formats, sbom.EncodeOptions{})
		if err != nil {
			store.Close()
			return err
		}
		opts := archive.AddOptions{Product: product, Release: release}
		for j, f := range formats {
			opts.Files = append(opts.Files,
				archive.Input{Name: sbom.FileName(product, release, f), Data: docs[j]})
		}
		if _, err := store.Add(ctx, opts); err != nil {
			store.Close()
			return fmt.Errorf("seeding release %s: %w", release, err)
		}
	}
	return store.Close()
}
