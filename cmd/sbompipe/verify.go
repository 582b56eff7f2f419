package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/lockfile"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check requirements files against pip's hash-checking rules",
		ArgsUsage: "[FILE...]",
		Description: "Checks each FILE (default requirements.txt) and the files it reaches " +
			"with -r\n" +
			"and -c against pip's hash-checking rules and sbompipe's stricter policy: every\n" +
			"entry pinned with == and hashed with sha256, no editable, VCS or local-path\n" +
			"entries, no duplicates, no credentials in index URLs. Every line is checked\n" +
			"whatever its environment marker. With --in, also checks that the lockfile\n" +
			"still satisfies requirements.in (stale, orphan). With --index, also asks\n" +
			"the package index whether every hash names a file of that version\n" +
			"(hash-unknown); an index that cannot be read, or that has none of the\n" +
			"projects asked about, is an error (exit 2).\n\n" +
			"Output: one \"file:line: rule: message\" line per finding and a summary (text),\n" +
			"the report as JSON (json), or GitHub workflow annotations (github; also added\n" +
			"on stderr when GITHUB_ACTIONS=true).\n\n" +
			"Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 a file or an\n" +
			"index cannot be read or a flag is wrong.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in",
				Usage: "also check the lockfile against `FILE` (requirements.in): " +
					"stale and orphan entries"},
			&cli.StringFlag{Name: "format", Value: "text",
				Usage: "output `FORMAT`: text, json or github"},
			&cli.StringSliceFlag{Name: "index",
				Usage: "check every hash against the package index at `URL` " +
					"(PEP 691 or PEP 503; repeatable)"},
		},
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "json" && format != "github" {
		return usageError(fmt.Errorf("--format %q: want text, json or github", format))
	}
	checks, err := verifyChecks(c)
	if err != nil {
		return err
	}
	files := c.Args().Slice()
	if len(files) == 0 {
		files = []string{"requirements.txt"}
	}
	report, err := verifyFiles(c.Context, files, checks)
	if err != nil {
		return err
	}

	out := c.App.Writer
	switch format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	case "github":
		if err = writeAnnotations(out, "sbompipe verify", findingAnnotations(report)); err == nil {
			_, err = fmt.Fprintln(out, summary(report))
		}
	default:
		err = writeText(out, report)
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if format != "github" && inGitHubActions() {
		err := writeAnnotations(c.App.ErrWriter, "sbompipe verify", findingAnnotations(report))
		if err != nil {
			return fmt.Errorf("writing annotations: %w", err)
		}
	}
	if report.Errors > 0 {
		return errProblems
	}
	return nil
}

// verifyFiles checks each requirements file (and what it includes) and
// merges the reports. A file that cannot be read is a usage error.
func verifyFiles(ctx context.Context, files []string,
	checks []lockfile.Check) (*lockfile.Report, error) {
	report := &lockfile.Report{Files: []string{}, Findings: []lockfile.Finding{}}
	for _, name := range files {
		f, err := lockfile.Parse(name, lockfile.ParseOptions{})
		if err != nil {
			return nil, usageError(err)
		}
		r, err := lockfile.Verify(ctx, f, lockfile.VerifyOptions{Checks: checks})
		if err != nil {
			return nil, usageError(fmt.Errorf("verifying %s: %w", name, err))
		}
		report.Merge(r)
	}
	return report, nil
}

// verifyChecks returns the checks that flags add to the built-in rules.
// A rule that needs another input (an index, …) adds its flag above and
// its check here.
func verifyChecks(c *cli.Context) ([]lockfile.Check, error) {
	var checks []lockfile.Check
	if in := c.String("in"); in != "" {
		f, err := lockfile.Parse(in, lockfile.ParseOptions{})
		if err != nil {
			return nil, usageError(fmt.Errorf("--in: %w", err))
		}
		checks = append(checks, lockfile.InputCheck(f))
	}
	if urls := c.StringSlice("index"); len(urls) > 0 {
		checks = append(checks, lockfile.IndexCheck(&lockfile.Sources{IndexURLs: urls}))
	}
	return checks, nil
}

// writeText writes one line per finding and a summary.
func writeText(w io.Writer, r *lockfile.Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	b.WriteString(summary(r))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func summary(r *lockfile.Report) string {
	return fmt.Sprintf("%s, %s in %s (%s)",
		plural(r.Errors, "error"), plural(r.Warnings, "warning"),
		plural(len(r.Files), "file"), plural(r.Requirements, "requirement"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// findingAnnotations turns verify's findings into workflow annotations.
func findingAnnotations(r *lockfile.Report) []annotation {
	list := make([]annotation, len(r.Findings))
	for i, f := range r.Findings {
		list[i] = annotation{Level: string(f.Severity), File: f.File, Line: f.Line,
			Title: "sbompipe verify: " + f.Rule, Message: f.Message}
	}
	return list
}
