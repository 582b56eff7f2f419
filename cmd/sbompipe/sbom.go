package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/internal/newfile"
	"github.com/sentrikat/sbompipe/internal/textsafe"
	"github.com/sentrikat/sbompipe/sbom"
)

func sbomCommand() *cli.Command {
	return &cli.Command{
		Name:      "sbom",
		Usage:     "write CycloneDX and SPDX documents for the Python and Go components",
		ArgsUsage: " ",
		Description: "Inventories requirements files (--python), Go modules (--go) " +
			"and Go binaries\n" +
			"(--go-binary); with none of them, requirements.txt and go.mod of the working\n" +
			"directory. Writes <product>_<version>.cdx.json and .spdx.json (see --format)\n" +
			"into --out, and a summary on stderr: components per ecosystem and the NTIA\n" +
			"minimum elements that are missing. SOURCE_DATE_EPOCH sets the timestamp;\n" +
			"the same input then gives byte-identical files.\n\n" +
			"Exit codes: 0 documents written, 2 usage or input error (nothing is written).",
		Flags: append(sbomInputFlags(),
			&cli.StringFlag{Name: "out", Value: ".",
				Usage: "output `DIR`; - writes the one document to stdout"},
		),
		Action: runSBOM,
	}
}

// sbomInputFlags are the flags that say what to inventory and how to
// write it, shared by sbom and release.
func sbomInputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "python", Usage: "requirements `FILE` (repeatable)"},
		&cli.StringSliceFlag{Name: "go", Usage: "Go module or workspace `DIR` (repeatable)"},
		&cli.StringSliceFlag{Name: "go-binary", Usage: "Go executable `FILE` (repeatable)"},
		&cli.BoolFlag{Name: "offline",
			Usage: "run nothing that could reach the network (no go mod graph)"},
		&cli.StringFlag{Name: "product",
			Usage: "product `NAME` (default: the working directory's name)"},
		&cli.StringFlag{Name: "version", Usage: "product `VERSION`"},
		&cli.StringFlag{Name: "supplier", Usage: "supplier `ORGANIZATION` of the product"},
		&cli.StringSliceFlag{
			Name:  "format",
			Value: cli.NewStringSlice(string(sbom.CycloneDXJSON), string(sbom.SPDXJSON)),
			Usage: "output `FORMATS`: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value",
		},
		&cli.StringFlag{Name: "cyclonedx-version", Value: "1.6",
			Usage: "CycloneDX `VERSION`: 1.5, 1.6 or 1.7"},
		&cli.BoolFlag{Name: "no-licenses",
			Usage: "do not detect Go module licenses in the module cache"},
		&cli.BoolFlag{Name: "no-cache",
			Usage: "classify every license text and read every Go module graph again " +
				"instead of reusing earlier runs' results"},
		// The older name, with its own variable and configuration key.
		&cli.BoolFlag{Name: "no-license-cache", Hidden: true, Usage: "--no-cache"},
	}
}

func runSBOM(c *cli.Context) error {
	if c.Args().Present() {
		return usageError(fmt.Errorf(
			"sbom takes no arguments; name inputs with --python, --go, --go-binary"))
	}
	formats, err := sbomFormats(c.StringSlice("format"))
	if err != nil {
		return usageError(err)
	}
	if err := checkCycloneDXVersion(c.String("cyclonedx-version")); err != nil {
		return usageError(err)
	}
	out := c.String("out")
	if out == "-" && len(formats) != 1 {
		return usageError(fmt.Errorf("--out - writes one document; --format names %d",
			len(formats)))
	}
	in, err := sbomInputs(c)
	if err != nil {
		return usageError(err)
	}
	when, err := sourceDateEpoch()
	if err != nil {
		return usageError(err)
	}

	b, err := sbom.Collect(c.Context, in)
	if err != nil {
		return err
	}
	b.Tool = sbom.Tool{Name: "sbompipe", Version: toolVersion()}
	b.Timestamp = when
	stderr := c.App.ErrWriter
	for _, w := range b.Warnings {
		fmt.Fprintf(stderr, "sbompipe: warning: %s\n", textsafe.Lines(w))
	}

	opts := sbom.EncodeOptions{CycloneDXVersion: c.String("cyclonedx-version")}
	if out == "-" {
		docs, err := encodeDocuments(b, formats, opts)
		if err != nil {
			return err
		}
		if _, err := c.App.Writer.Write(docs[0]); err != nil {
			return err
		}
	} else {
		names := make([]string, len(formats))
		for i, f := range formats {
			names[i] = filepath.Join(out, sbom.FileName(in.Subject.Name, in.Subject.Version, f))
		}
		if err := writeSBOMFiles(c.Context, b, formats, opts, out, names); err != nil {
			return err
		}
		for _, name := range names {
			fmt.Fprintf(stderr, "sbompipe: wrote %s\n", textsafe.Control(name))
		}
	}
	printSBOMSummary(stderr, b)
	return nil
}

// encodeDocuments encodes b in each format, in memory, the formats at the
// same time.
func encodeDocuments(b *sbom.BOM, formats []sbom.Format,
	opts sbom.EncodeOptions) ([][]byte, error) {
	docs, _, err := sbom.EncodeAll(b, formats, opts)
	return docs, err
}

// checkCycloneDXVersion refuses a --cyclonedx-version sbompipe cannot
// write before any input is read.
func checkCycloneDXVersion(v string) error {
	switch v {
	case "1.5", "1.6", "1.7":
		return nil
	}
	return fmt.Errorf("--cyclonedx-version %q: want 1.5, 1.6 or 1.7", v)
}

func sbomFormats(names []string) ([]sbom.Format, error) {
	var formats []sbom.Format
	for _, list := range names {
		for _, name := range strings.Split(list, ",") {
			f, err := sbom.ParseFormat(strings.TrimSpace(name))
			if err != nil {
				return nil, err
			}
			if !slices.Contains(formats, f) { // one file a format
				formats = append(formats, f)
			}
		}
	}
	if len(formats) == 0 {
		return nil, errors.New("--format names no format")
	}
	return formats, nil
}

// cacheDir is where sbompipe keeps what it may reuse between runs: the
// folder name in sbompipe's folder of the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache on Linux), or "" for none (--no-cache).
func cacheDir(c *cli.Context, name string) string {
	if c.Bool("no-cache") || c.Bool("no-license-cache") {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "sbompipe", name)
}

// sbomInputs turns the flags into sbom.Inputs. Without input flags it
// takes requirements.txt and go.mod of the working directory.
func sbomInputs(c *cli.Context) (sbom.Inputs, error) {
	in := sbom.Inputs{
		Python:       c.StringSlice("python"),
		GoModules:    c.StringSlice("go"),
		GoBinaries:   c.StringSlice("go-binary"),
		Offline:      c.Bool("offline"),
		NoLicenses:   c.Bool("no-licenses"),
		LicenseCache: cacheDir(c, "licenses"),
		GraphCache:   cacheDir(c, "modgraph"),
		Subject: sbom.Subject{
			Name:     c.String("product"),
			Version:  c.String("version"),
			Supplier: c.String("supplier"),
		},
	}
	// An input's name goes into the documents (where each entry comes
	// from): a control character in it would too.
	for flag, names := range map[string][]string{
		"python": in.Python, "go": in.GoModules, "go-binary": in.GoBinaries,
	} {
		for _, name := range names {
			if textsafe.HasControl(name) {
				return in, fmt.Errorf("--%s %q: a file name with a control character "+
					"is not taken", flag, name)
			}
		}
	}
	for flag, v := range map[string]string{
		"product":  in.Subject.Name,
		"version":  in.Subject.Version,
		"supplier": in.Subject.Supplier,
	} {
		if textsafe.HasControl(v) {
			return in, fmt.Errorf("--%s %q: a line break or other control character "+
				"has no place in it", flag, v)
		}
	}
	if in.Subject.Name == "" {
		wd, err := os.Getwd()
		if err != nil {
			return in, err
		}
		in.Subject.Name = filepath.Base(wd)
	}
	if len(in.Python)+len(in.GoModules)+len(in.GoBinaries) > 0 {
		return in, nil
	}
	if _, err := os.Stat("requirements.txt"); err == nil {
		in.Python = []string{"requirements.txt"}
	}
	if _, err := os.Stat("go.mod"); err == nil {
		in.GoModules = []string{"."}
	}
	if len(in.Python)+len(in.GoModules) == 0 {
		return in, errors.New("no inputs: give --python, --go or --go-binary, " +
			"or run where requirements.txt or go.mod is")
	}
	return in, nil
}

// sourceDateEpoch returns the time SOURCE_DATE_EPOCH gives, else now.
func sourceDateEpoch() (time.Time, error) {
	v, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || v == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// writeSBOMFiles encodes b in each format and writes each document to a
// temporary file beside its destination names[i] in the folder out while
// it is being encoded (see writeBehind); it syncs each once encoded, and
// renames them into place once every one is written. On error, or when
// ctx is done first (an interrupt), no destination is changed, the
// temporary files are removed, and no folder is left created.
func writeSBOMFiles(ctx context.Context, b *sbom.BOM, formats []sbom.Format,
	opts sbom.EncodeOptions, out string, names []string) (err error) {
	// A destination that cannot be replaced is found before any is.
	for _, name := range names {
		if fi, err := os.Lstat(name); err == nil && !fi.Mode().IsRegular() {
			return fmt.Errorf("writing %s: it exists and is not a regular file", name)
		}
	}
	created := missingDirs(out)
	mkdir := sync.OnceValue(func() error { return os.MkdirAll(out, 0o755) })
	files := make([]*os.File, len(names))
	defer func() {
		if err == nil {
			return
		}
		for _, f := range files {
			if f != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}
		for _, dir := range created {
			os.Remove(dir) // only if still empty
		}
	}()

	opts.Spool = func(i int) (io.WriterAt, error) {
		if err := mkdir(); err != nil {
			return nil, fmt.Errorf("--out %s: %w", out, err)
		}
		// The temporary name is the destination's, cut short where that
		// would pass the 255 bytes a name may have (FileName writes only
		// ASCII).
		base := filepath.Base(names[i])
		f, err := newfile.CreateTemp(filepath.Dir(names[i]), "."+base[:min(len(base), 200)]+".*")
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", names[i], err)
		}
		files[i] = f
		return &writeBehind{ctx: ctx, f: f, name: names[i]}, nil
	}
	err = sbom.EncodeEach(b, formats, opts, func(i int, _ []byte, _ sbom.Document) error {
		return finishTemp(files[i], names[i])
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	temps := make([]string, len(files))
	for i, f := range files {
		temps[i] = f.Name()
	}
	if err := replaceAll(temps, names); err != nil {
		return err
	}
	// The renames themselves, on disk (best effort: not every file
	// system syncs a folder).
	_ = newfile.SyncDir(out)
	return nil
}

// How swapIn put a file in place: exchanged with the file that was there
// (which the temporary name now holds), created where there was none, or
// renamed over one that is gone.
const (
	swapExchanged = iota
	swapCreated
	swapReplaced
)

// replaceAll moves each temps[i] into place as names[i], all or, as far
// as the system allows, none: when one fails, those already in place are
// put back (an exchanged file exchanged again, a created one moved back).
// A temporary name left holding an old document is removed. Only where
// the system cannot exchange two files (swapReplaced) is an earlier
// document gone once a later one fails.
func replaceAll(temps, names []string) error {
	how := make([]int, 0, len(names))
	for i, name := range names {
		h, err := swapIn(temps[i], name)
		if err != nil {
			for j := len(how) - 1; j >= 0; j-- {
				switch how[j] {
				case swapExchanged:
					_, _ = swapIn(temps[j], names[j])
				case swapCreated:
					_ = os.Rename(names[j], temps[j])
				}
			}
			return fmt.Errorf("writing %s: %w", name, err)
		}
		how = append(how, h)
	}
	for i, h := range how {
		if h == swapExchanged {
			_ = os.Remove(temps[i]) // the old document
		}
	}
	return nil
}

// writeBehind writes a document to its temporary file as the encoder
// hands it over, and asks the kernel to start writing each piece to the
// disk at once (startWriteback), so that the sync at the end waits for
// the last pieces only: a 56 MB document no longer spends 100 ms in
// fsync after it is encoded.
type writeBehind struct {
	ctx  context.Context // done: an interrupt; writing stops
	f    *os.File
	name string // the destination, for errors
}

func (w *writeBehind) WriteAt(p []byte, off int64) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, fmt.Errorf("writing %s: %w", w.name, err)
	}
	n, err := w.f.WriteAt(p, off)
	if err != nil {
		return n, fmt.Errorf("writing %s: %w", w.name, err)
	}
	startWriteback(w.f, off, int64(n))
	return n, nil
}

// finishTemp syncs and closes f, the temporary file of name, and gives it
// the permissions of the document it replaces.
func finishTemp(f *os.File, name string) error {
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(serr, cerr); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := newfile.KeepMode(f.Name(), name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// missingDirs returns dir and those of its parents that do not exist,
// the deepest first: what os.MkdirAll(dir) would create.
func missingDirs(dir string) []string {
	var missing []string
	for {
		if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
			return missing
		}
		missing = append(missing, dir)
		parent := filepath.Dir(dir)
		if parent == dir {
			return missing
		}
		dir = parent
	}
}

// printSBOMSummary writes the components per ecosystem and the missing
// NTIA minimum elements.
func printSBOMSummary(w io.Writer, b *sbom.BOM) {
	counts := b.CountByEcosystem()
	ecos := make([]string, 0, len(counts))
	for e := range counts {
		ecos = append(ecos, string(e))
	}
	sort.Strings(ecos)
	parts := make([]string, len(ecos))
	for i, e := range ecos {
		parts[i] = fmt.Sprintf("%s %d", e, counts[sbom.Ecosystem(e)])
	}
	fmt.Fprintf(w, "sbompipe: components: %s (%d with the product)\n",
		strings.Join(parts, ", "), b.Count())

	r := sbom.NTIA(b)
	var missing []string
	for _, e := range sbom.NTIAElements {
		if n := r.Missing[e]; n > 0 {
			missing = append(missing, fmt.Sprintf("%s %d/%d", e, n, r.Components))
		}
	}
	if len(missing) == 0 {
		fmt.Fprintln(w, "sbompipe: NTIA minimum elements: none missing")
		return
	}
	fmt.Fprintf(w, "sbompipe: NTIA minimum elements missing: %s\n", strings.Join(missing, ", "))
}
