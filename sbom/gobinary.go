package sbom

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// goBinary adds a Go executable, the modules its build information lists
// (replacements applied) and the standard library it was built with.
func (b *builder) goBinary(path string) error {
	// The build info is read, the modules added and their licenses found
	// while the digest is computed (the SHA-256 of a large binary is most
	// of the run), from the same open file: the digest is added at the
	// end of Collect (addDigests).
	bf := b.binFiles[path]
	if bf.err != nil {
		return bf.err
	}
	bi, err := buildinfo.Read(bf.f)
	if err != nil {
		return fmt.Errorf("reading build info of %s: %w", path, err)
	}
	if err := checkBuildInfo(bi); err != nil {
		return fmt.Errorf("build info of %s: %w", path, err)
	}
	private := privateMatcher(b.env)
	for _, dep := range bi.Deps {
		b.startClassifier(goBinaryDep(dep, private))
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	version, from := goMainVersion(bi.Main.Version, settings)
	if version == "" && b.bom.Subject.Version != "" {
		// Neither a tag nor -X (-trimpath leaves -ldflags out of the
		// build info) nor VCS stamping says it: the binary is part of the
		// product's release.
		version, from = b.bom.Subject.Version, "the product version"
	}

	bin := goMain(bi.Main.Path, version)
	bin.Key = "go:binary:" + bi.Path + "@" + version +
		"#" + settings["GOOS"] + "/" + settings["GOARCH"]
	bin.Properties = append(bin.Properties,
		Property{"sbompipe:go:binary", filepath.Base(path)},
		Property{"sbompipe:go:package", bi.Path},
		Property{"sbompipe:go:go-version", bi.GoVersion})
	for _, key := range []string{"GOOS", "GOARCH", "CGO_ENABLED", "-buildmode",
		"vcs.revision", "vcs.time", "vcs.modified"} {
		if v := settings[key]; v != "" {
			name := strings.ToLower(strings.TrimLeft(key, "-"))
			bin.Properties = append(bin.Properties, Property{"sbompipe:go:" + name, v})
		}
	}
	if from != "" {
		bin.Properties = append(bin.Properties, Property{"sbompipe:go:version-from", from})
	} else {
		bin.Notes = append(bin.Notes, "main module version unknown: no tag, "+
			"no -X …version= linker flag and no VCS information in the build info")
	}
	bin = b.add(bin)
	b.binaries = append(b.binaries, binaryDigest{bin, bf.digest})
	b.edge(b.bom.Subject.Key, bin.Key)

	if v, _, _ := strings.Cut(bi.GoVersion, " "); strings.HasPrefix(v, "go1") {
		std := b.add(goStdlib(v, "build info of "+filepath.Base(path)))
		b.edge(bin.Key, std.Key)
	}
	incomplete := Incomplete{
		Reason: "the build info of " + filepath.Base(path) +
			" lists the modules linked in, not the requirements between them",
	}
	for _, dep := range bi.Deps {
		c := b.add(goBinaryDep(dep, private))
		b.edge(bin.Key, c.Key)
		incomplete.Refs = append(incomplete.Refs, c.Key)
	}
	if len(incomplete.Refs) > 0 {
		b.bom.Incomplete = append(b.bom.Incomplete, incomplete)
	}
	return nil
}

// checkBuildInfo refuses build info that the go command does not write
// and that the documents would carry on: a module path that is not one,
// a version that is neither semantic nor "(devel)", a sum that is not an
// h1 hash, a control character in any of them or in a setting the
// documents record. Such build info was made by hand.
func checkBuildInfo(bi *buildinfo.BuildInfo) error {
	for _, s := range []string{bi.GoVersion, bi.Path, bi.Main.Path, bi.Main.Version, bi.Main.Sum} {
		if textsafe.HasControl(s) {
			return fmt.Errorf("%q holds a control character", s)
		}
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" && !semver.IsValid(v) {
		return fmt.Errorf("main module %s has version %q, not a semantic version", bi.Main.Path, v)
	}
	for _, set := range bi.Settings {
		if textsafe.HasControl(set.Key) || textsafe.HasControl(set.Value) {
			return fmt.Errorf("setting %q holds a control character", set.Key)
		}
	}
	check := func(m *debug.Module, local bool) error {
		switch {
		case textsafe.HasControl(m.Path) || textsafe.HasControl(m.Version):
			return fmt.Errorf("module %q %q holds a control character", m.Path, m.Version)
		case local:
			return nil // a folder; no version, no sum
		case module.CheckPath(m.Path) != nil:
			return fmt.Errorf("module path %q is not a module path", m.Path)
		case m.Version != "(devel)" && !semver.IsValid(m.Version):
			return fmt.Errorf("module %s has version %q, not a semantic version", m.Path, m.Version)
		}
		if _, ok := h1Hex(m.Sum); m.Sum != "" && !ok {
			return fmt.Errorf("module %s@%s has sum %q, not an h1 hash", m.Path, m.Version, m.Sum)
		}
		return nil
	}
	for _, dep := range bi.Deps {
		if err := check(dep, false); err != nil {
			return err
		}
		if r := dep.Replace; r != nil {
			if err := check(r, modfile.IsDirectoryPath(r.Path)); err != nil {
				return err
			}
		}
	}
	return nil
}

// binaryDigest is a binary's component, waiting for its digest.
type binaryDigest struct {
	comp   *Component
	digest func() (string, error)
}

// addDigests waits for the SHA-256 of every binary and adds it to its
// component, in the order of the binaries, as add would have merged them.
func (b *builder) addDigests() error {
	for _, bd := range b.binaries {
		sum, err := bd.digest()
		if err != nil {
			return err
		}
		if h := (Hash{Algorithm: "SHA-256", Value: sum}); !slices.Contains(bd.comp.Hashes, h) {
			bd.comp.Hashes = append(bd.comp.Hashes, h)
		}
	}
	return nil
}

// goBinaryDep returns the component of a module in build info: the
// replacement when there is one.
func goBinaryDep(dep *debug.Module, private func(string) bool) *Component {
	r := dep.Replace
	switch {
	case r == nil:
		return goModule(dep.Path, devel(dep.Version), dep.Sum, private(dep.Path))
	case devel(r.Version) == "":
		// A local directory: build info says "(devel)" or nothing.
		return goLocalModule(dep.Path, r.Path)
	}
	c := goModule(r.Path, devel(r.Version), r.Sum, private(r.Path))
	c.Properties = append(c.Properties,
		Property{"sbompipe:go:replaces", dep.Path + "@" + dep.Version})
	return c
}

// devel returns v, or "" for the "(devel)" placeholder.
func devel(v string) string {
	if v == "(devel)" {
		return ""
	}
	return v
}

// goMainVersion returns the version of a binary's main module and where it
// comes from: the version the go command stamped (a tag or a
// pseudo-version), a "-X …version=" linker flag, or a pseudo-version made
// from vcs.revision and vcs.time. It never returns "(devel)".
func goMainVersion(stamped string, settings map[string]string) (version, from string) {
	if v := devel(stamped); v != "" {
		return v, "build info"
	}
	if v := ldflagsVersion(settings["-ldflags"]); v != "" {
		return v, "-ldflags -X"
	}
	rev, when := settings["vcs.revision"], settings["vcs.time"]
	t, err := time.Parse(time.RFC3339, when)
	if len(rev) >= 12 && err == nil {
		v := module.PseudoVersion("", "", t, rev[:12])
		if settings["vcs.modified"] == "true" {
			v += "+dirty"
		}
		return v, "vcs.revision and vcs.time"
	}
	return "", ""
}

// ldflagsVersion finds "-X path.version=V" (or .Version) in -ldflags and
// returns V, with a "v" added when that makes it a semantic version.
func ldflagsVersion(ldflags string) string {
	fields := strings.Fields(ldflags)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		var def string
		switch {
		case f == "-X" && i+1 < len(fields):
			i++
			def = fields[i]
		case strings.HasPrefix(f, "-X="):
			def = f[len("-X="):]
		default:
			continue
		}
		def = strings.Trim(def, `'"`)
		name, value, ok := strings.Cut(def, "=")
		if !ok || value == "" {
			continue
		}
		dot := strings.LastIndexByte(name, '.')
		if dot < 0 || !strings.EqualFold(name[dot+1:], "version") {
			continue
		}
		if !versionChars(value) {
			continue // not a version: left for the other sources
		}
		if !strings.HasPrefix(value, "v") && semver.IsValid("v"+value) {
			value = "v" + value
		}
		return value
	}
	return ""
}

// versionChars reports whether s is made of what versions are written
// with: letters, digits and ".+-_~".
func versionChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnumByte(c) && !strings.ContainsRune(".+-_~", rune(c)) {
			return false
		}
	}
	return s != ""
}

func isAlnumByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// binFile is a --go-binary file opened by openBinary and waiting for its
// digest, or why it could not be opened.
type binFile struct {
	f      *os.File
	digest func() (string, error)
	err    error
}

// hashFile returns the hex SHA-256 of f, whose Stat was before. The file is
// read on one goroutine and hashed on another, a piece at a time, so that
// reading a large binary overlaps hashing it: hashing is then all the
// time it takes (about 1.3 GB/s). The digest is of the size the file had
// when opened, and it is an error if the file's size or modification time
// is not the same once it is read: the bytes hashed would then be of no
// one version of the file. It reads with ReadAt, so others may read f at
// the same time, and stops when ctx is done.
func hashFile(ctx context.Context, f *os.File, before os.FileInfo) (string, error) {
	path := f.Name()
	const pieces, pieceSize = 4, 256 << 10
	full := make(chan []byte, pieces)
	free := make(chan []byte, pieces)
	for range pieces {
		free <- make([]byte, pieceSize)
	}
	var readErr error
	go func() {
		defer close(full)
		r := io.NewSectionReader(f, 0, before.Size())
		for buf := range free {
			if readErr = ctx.Err(); readErr != nil {
				return
			}
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				full <- buf[:n]
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	h := sha256.New()
	var n int64
	for buf := range full {
		h.Write(buf)
		n += int64(len(buf))
		free <- buf[:cap(buf)]
	}
	// full is closed: the reader is done, and readErr is set if it failed.
	if readErr != nil {
		return "", fmt.Errorf("reading %s: %w", path, readErr)
	}
	after, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	if n != before.Size() || after.Size() != before.Size() ||
		!after.ModTime().Equal(before.ModTime()) {
		return "", fmt.Errorf("reading %s: the file changed while it was read", path)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
