package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/archive"
	"github.com/sentrikat/sbompipe/internal/textsafe"
)

func storeFlag() *cli.StringFlag {
	return &cli.StringFlag{
		Name:  "store",
		Value: archive.DefaultStore,
		Usage: "the archive: `URL` file://DIR, a folder, " +
			"or s3://BUCKET?region=…[&endpoint=…&use_path_style=true]",
	}
}

func formatFlag(usage string, values ...string) *cli.StringFlag {
	return &cli.StringFlag{
		Name:  "format",
		Value: values[0],
		Usage: usage + " `FORMAT`: " + strings.Join(values, ", "),
	}
}

func archiveCommand() *cli.Command {
	return &cli.Command{
		Name:  "archive",
		Usage: "keep SBOM documents in the immutable per-release archive and publish its index",
		Description: "The archive holds <product>/<release>/ folders of documents " +
			"with SHA256SUMS and\n" +
			"release.json, and the index files of the /sbom page: index.json, index.html,\n" +
			"feed.xml, sbom.css and favicon.svg. A published release is immutable.",
		Subcommands: []*cli.Command{
			archiveAddCommand(),
			archiveVerifyCommand(),
			archiveListCommand(),
			archiveIndexCommand(),
		},
		// Reached with no subcommand, or one the archive does not have:
		// urfave/cli would show help and exit 0 for a mistyped name.
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError(fmt.Errorf("unknown command %q; see sbompipe archive --help",
					c.Args().First()))
			}
			return cli.ShowSubcommandHelp(c)
		},
	}
}

func archiveAddCommand() *cli.Command {
	return &cli.Command{
		Name:      "add",
		Usage:     "store a release's SBOM documents and rewrite the index",
		ArgsUsage: "FILE...",
		Description: "Reads each FILE (CycloneDX JSON or XML, SPDX JSON or tag-value) " +
			"to learn its\n" +
			"format, spec version and component count, stores it as\n" +
			"<product>/<release>/<product>_<release>.<ext>, then writes SHA256SUMS and\n" +
			"release.json, then the index files. Adding the same bytes again changes\n" +
			"nothing; different bytes are refused (exit 1) unless --replace.",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "product",
				Usage: "product `NAME` ([A-Za-z0-9][A-Za-z0-9._+-]*, at most 128, " +
					"no \"..\" or final \".\")"},
			&cli.StringFlag{Name: "release",
				Usage: "release `NAME`, e.g. v1.4.0 (same rules as --product)"},
			&cli.BoolFlag{Name: "replace",
				Usage: "replace documents that differ from the stored ones; the index records it"},
			&cli.StringFlag{Name: "contact",
				Usage: "`EMAIL` the page offers for requests of archived SBOMs " +
					"(kept in the store)"},
			formatFlag("report format", "text", "json"),
		},
		Action: archiveAdd,
	}
}

func archiveAdd(c *cli.Context) error {
	format, err := oneOf(c, "format", "text", "json")
	if err != nil {
		return err
	}
	if c.String("product") == "" || c.String("release") == "" {
		return usageError(errors.New("archive add needs --product and --release"))
	}
	if c.NArg() == 0 {
		return usageError(errors.New("archive add needs the documents to store: " +
			"archive add --product P --release R FILE..."))
	}
	opts := archive.AddOptions{
		Product: c.String("product"),
		Release: c.String("release"),
		Replace: c.Bool("replace"),
		Contact: c.String("contact"),
	}
	for _, name := range c.Args().Slice() {
		data, err := readDocument(c.Context, name)
		if err != nil {
			return usageError(err)
		}
		opts.Files = append(opts.Files, archive.Input{Name: name, Data: data})
	}
	if err := opts.Check(); err != nil {
		return usageError(err) // before the store is created or touched
	}
	s, err := openStore(c, true)
	if err != nil {
		return err
	}
	defer s.Close()

	results, err := s.Add(c.Context, opts)
	var refused *archive.RefusedError
	if err != nil && !errors.As(err, &refused) {
		// Bad input or an unusable store: no "added" line for what the
		// store did not take.
		return usageError(err)
	}
	if format == "json" {
		if werr := writeJSON(c.App.Writer, map[string]any{
			"store":   s.String(),
			"product": opts.Product,
			"release": opts.Release,
			"files":   results,
		}); werr != nil {
			return werr
		}
	} else {
		tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%s\t%s\tsha256:%s\n", r.Outcome, r.Source, r.Path, r.SHA256)
		}
		tw.Flush()
	}
	switch {
	case errors.As(err, &refused):
		return problemf("%v", err)
	case err != nil:
		return usageError(err)
	}
	return nil
}

func archiveVerifyCommand() *cli.Command {
	return &cli.Command{
		Name: "verify",
		Usage: "check every archived file against the index (presence, size, SHA-256) " +
			"and report unlisted ones",
		Description: "Exit 1 when a document is missing or altered, a file is unlisted, " +
			"or the index\n" +
			"files say something the store does not. The traces of an interrupted add\n" +
			"(a release not yet indexed, temporary files) are warnings: running the add\n" +
			"again, or archive index, completes it.",
		Flags:  []cli.Flag{storeFlag(), formatFlag("report format", "text", "json")},
		Action: archiveVerify,
	}
}

func archiveVerify(c *cli.Context) error {
	format, err := oneOf(c, "format", "text", "json")
	if err != nil {
		return err
	}
	s, err := openStore(c, false)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.Verify(c.Context)
	if err != nil {
		return usageError(err)
	}
	if format == "json" {
		if err := writeJSON(c.App.Writer, rep); err != nil {
			return err
		}
	} else {
		// Paths are the store's keys, which whoever writes the store
		// chooses: a line break in one would forge report lines and
		// workflow commands.
		for _, p := range rep.Problems {
			fmt.Fprintf(c.App.Writer, "%s: %s: %s: %s\n", textsafe.Control(p.Path), p.Level(),
				p.Kind, textsafe.Control(p.Message))
		}
		fmt.Fprintf(c.App.Writer, "%s, %s: %s, %s\n",
			plural(rep.Releases, "release"), plural(rep.Documents, "document"),
			plural(rep.Errors, "error"), plural(rep.Warnings, "warning"))
	}
	if inGitHubActions() {
		err := writeAnnotations(c.App.ErrWriter, "sbompipe archive verify",
			problemAnnotations(rep))
		if err != nil {
			return err
		}
	}
	if rep.Errors > 0 {
		return errProblems
	}
	return nil
}

// problemAnnotations turns archive verify's problems into workflow
// annotations.
func problemAnnotations(rep *archive.Report) []annotation {
	list := make([]annotation, len(rep.Problems))
	for i, p := range rep.Problems {
		list[i] = annotation{Level: p.Level(), Title: "archive verify: " + p.Kind + " " + p.Path,
			Message: p.Path + ": " + p.Message}
	}
	return list
}

func archiveListCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the published releases and their documents",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "product", Usage: "list only `NAME`'s releases"},
			formatFlag("output format", "text", "json"),
		},
		Action: archiveList,
	}
}

func archiveList(c *cli.Context) error {
	// "text" (a table) as for archive add and verify, so that one
	// SBOMPIPE_ARCHIVE_FORMAT or config value serves every archive
	// command; "table" is its older name.
	format, err := oneOf(c, "format", "text", "json", "table")
	if err != nil {
		return err
	}
	s, err := openStore(c, false)
	if err != nil {
		return err
	}
	defer s.Close()
	ix, err := s.Index(c.Context)
	if err != nil {
		return usageError(err)
	}
	if err := onlyProduct(ix, c.String("product"), s.String()); err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(c.App.Writer, ix)
	}
	return writeReleaseTable(c.App.Writer, ix)
}

// onlyProduct keeps only the product named p in ix, unless p is "";
// where says whose index it is, for the error when p is not in it.
func onlyProduct(ix *archive.Index, p, where string) error {
	if p == "" {
		return nil
	}
	prod, ok := ix.Find(p)
	if !ok {
		return problemf("product %q is not in the index of %s", p, where)
	}
	ix.Products = []archive.Product{*prod}
	return nil
}

// writeReleaseTable prints one line per document of every release. The
// index may be a stranger's (fetch --list): its text is escaped.
func writeReleaseTable(w io.Writer, ix *archive.Index) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tRELEASE\tPUBLISHED\tFORMAT\tCOMPONENTS\tSIZE\tSHA256\tPATH")
	for _, p := range ix.Products {
		for _, r := range p.Releases {
			for _, d := range r.Documents {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%d\t%d\t%s\t%s\n",
					textsafe.Control(p.Name), textsafe.Control(r.Release),
					r.Published.UTC().Format(time.RFC3339), d.Kind(), textsafe.Control(d.SpecVersion),
					d.Components, d.Size, textsafe.Control(d.SHA256), textsafe.Control(d.Path))
			}
		}
	}
	return tw.Flush()
}

func archiveIndexCommand() *cli.Command {
	return &cli.Command{
		Name: "index",
		Usage: "rewrite the index files (index.json, index.html, feed.xml, sbom.css) " +
			"from the store",
		Description: "The index files are a function of the store's release.json and site.json\n" +
			"files, so this reproduces them byte for byte; use it after an interrupted add\n" +
			"or to change the page's contact address.",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "contact",
				Usage: "`EMAIL` the page offers for requests of archived SBOMs"},
		},
		Action: archiveIndex,
	}
}

func archiveIndex(c *cli.Context) error {
	s, err := openStore(c, false)
	if err != nil {
		return err
	}
	defer s.Close()
	if contact := c.String("contact"); contact != "" {
		if err := s.SetContact(c.Context, contact); err != nil {
			return usageError(err)
		}
	}
	if err := s.Reindex(c.Context); err != nil {
		return usageError(err)
	}
	return nil
}

// readDocument reads a document to add, refusing one larger than the
// archive stores before reading it, with its real size when the file has
// one.
func readDocument(ctx context.Context, name string) ([]byte, error) {
	const limit = archive.MaxDocumentSize
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes; the archive stores documents of at most %d MiB",
			name, fi.Size(), limit>>20)
	}
	data, err := readInput(ctx, name, limit)
	if err != nil {
		return nil, fmt.Errorf("reading document: %v", err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: larger than the %d MiB limit of an archive document",
			name, limit>>20)
	}
	return data, nil
}

// openStore opens the store --store names; create makes the folder of a
// file store when it is missing.
func openStore(c *cli.Context, create bool) (*archive.Store, error) {
	s, err := archive.Open(c.Context, c.String("store"), archive.Options{Create: create})
	if err != nil {
		return nil, usageError(err)
	}
	return s, nil
}

// oneOf returns the flag's value if it is one of values, else a usage error.
func oneOf(c *cli.Context, flag string, values ...string) (string, error) {
	v := c.String(flag)
	for _, ok := range values {
		if v == ok {
			return v, nil
		}
	}
	return "", usageError(fmt.Errorf("--%s %q: want one of %s",
		flag, v, strings.Join(values, ", ")))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
