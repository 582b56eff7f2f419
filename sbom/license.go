package sbom

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
	classifier "github.com/google/licenseclassifier/v2"
	"github.com/google/licenseclassifier/v2/assets"
	"golang.org/x/mod/module"
)

// licenseConfidence is the lowest classifier confidence at which a license
// is asserted. Below it nothing is said (the component's license stays
// unknown, NOASSERTION in SPDX).
const licenseConfidence = 0.9

// licenses detects the license of every Go module whose source is in the
// module cache (or a local replacement directory), from the license files
// at the module's root. Python packages are left unknown: their licenses
// are not available offline.
func (b *builder) licenses(ctx context.Context) error {
	cache := modCache(b.env)
	var c *classifier.Classifier
	for _, comp := range b.bom.Components {
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := moduleDir(cache, comp)
		if dir == "" {
			continue
		}
		files := licenseFiles(dir)
		if len(files) == 0 {
			continue
		}
		if c == nil {
			var err error
			if c, err = assets.DefaultClassifier(); err != nil {
				return fmt.Errorf("loading the license classifier: %w", err)
			}
		}
		ids := classify(c, files)
		switch {
		case len(ids) == 1:
			comp.License = ids[0]
		case len(ids) > 1:
			// Several licenses may be a choice (dual licensing) or a
			// conjunction; the files do not say which, so nothing is
			// asserted.
			comp.Properties = append(comp.Properties,
				Property{"sbompipe:license-candidates", strings.Join(ids, ", ")})
			comp.Notes = append(comp.Notes, "license files name several licenses ("+
				strings.Join(ids, ", ")+"); whether they combine with AND or OR is not known")
		}
	}
	return nil
}

// moduleDir returns the directory holding the source of a Go module
// component, or "" when there is none on this machine.
func moduleDir(cache string, c *Component) string {
	if c.Ecosystem != Go || c.Kind != Library {
		return ""
	}
	for _, p := range c.Properties {
		if p.Name == "sbompipe:go:local-dir" {
			return p.Value
		}
	}
	if c.Version == "" || cache == "" {
		return ""
	}
	ep, err := module.EscapePath(c.Name)
	if err != nil {
		return ""
	}
	ev, err := module.EscapeVersion(c.Version)
	if err != nil {
		return ""
	}
	return filepath.Join(cache, ep+"@"+ev)
}

// licenseFiles lists the license files at the root of dir.
func licenseFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		name := strings.ToUpper(e.Name())
		if !e.Type().IsRegular() {
			continue
		}
		for _, prefix := range []string{"LICENSE", "LICENCE", "COPYING", "UNLICENSE"} {
			if strings.HasPrefix(name, prefix) {
				files = append(files, filepath.Join(dir, e.Name()))
				break
			}
		}
	}
	return files
}

// classify returns the SPDX identifiers of the licenses found in files at
// or above licenseConfidence, sorted.
func classify(c *classifier.Classifier, files []string) []string {
	var ids []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, m := range c.Match(data).Matches {
			if m.MatchType != "License" || m.Confidence < licenseConfidence {
				continue
			}
			if ok, _ := spdxexp.ValidateLicenses([]string{m.Name}); ok {
				ids = append(ids, m.Name)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// modCache returns the module cache directory named by env: GOMODCACHE,
// else the first GOPATH entry's pkg/mod, else $HOME/go/pkg/mod.
func modCache(env []string) string {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	if v := vars["GOMODCACHE"]; v != "" {
		return v
	}
	if v := vars["GOPATH"]; v != "" {
		return filepath.Join(filepath.SplitList(v)[0], "pkg", "mod")
	}
	if home := vars["HOME"]; home != "" {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}
