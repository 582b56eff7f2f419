package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/archive"
)

func fetchCommand() *cli.Command {
	return &cli.Command{
		Name: "fetch",
		Usage: "download a release's SBOM from a published archive " +
			"and prove it matches the index",
		ArgsUsage: "BASE_URL",
		Description: "Reads BASE_URL/index.json, downloads the chosen document " +
			"with the size the\n" +
			"index gives as the limit (at most 256 MiB), and checks its size and SHA-256\n" +
			"before writing anything. https only, except for loopback addresses; redirects\n" +
			"are followed only on the base URL's scheme, host and port. Exit 1 when the\n" +
			"document cannot be proved.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "product", Usage: "product `NAME`"},
			&cli.StringFlag{Name: "release", Value: "latest", Usage: "release `NAME`, or latest"},
			&cli.StringFlag{Name: "format", Value: "cyclonedx",
				Usage: "`FORMAT`: cyclonedx or spdx (JSON preferred), " +
					"or cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-",
				Usage: "write the document to `FILE` (- for stdout)"},
			&cli.StringFlag{Name: "sha256",
				Usage: "also require this `DIGEST`, learned from a source you trust"},
			&cli.BoolFlag{Name: "list",
				Usage: "list the archive's releases instead of downloading"},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute,
				Usage: "bound each request, body included, to `DURATION`"},
			&cli.IntFlag{Name: "retries", Value: 3,
				Usage: "`N` retries after a 5xx answer or a broken connection"},
		},
		Action: fetch,
	}
}

func fetch(c *cli.Context) error {
	if c.NArg() > 1 && strings.HasPrefix(c.Args().Get(1), "-") && len(c.LocalFlagNames()) == 0 {
		// "fetch BASE_URL --product P": the flag parser stops at the first
		// argument, so parse again with the URL last.
		args := c.Args().Slice()
		args = append(append([]string{c.App.Name, c.Command.Name}, args[1:]...), args[0])
		return c.App.RunContext(c.Context, args)
	}
	if c.NArg() != 1 {
		return usageError(errors.New("fetch takes one BASE_URL, after the flags: " +
			"sbompipe fetch --product P https://www.example.com/sbom"))
	}
	base := c.Args().First()
	if _, err := archive.CheckBaseURL(base); err != nil {
		return usageError(err)
	}
	retries := c.Int("retries")
	if retries == 0 {
		retries = -1 // the flag's 0 means none; the client's 0 means its default
	}
	client := &archive.Client{Timeout: c.Duration("timeout"), Retries: retries}
	if !c.Bool("list") && c.String("product") == "" {
		return usageError(errors.New("fetch needs --product (or --list)"))
	}
	want := strings.TrimPrefix(c.String("sha256"), "sha256:")
	if want != "" && !sha256Hex.MatchString(want) {
		return usageError(fmt.Errorf("--sha256 %q: want 64 hex digits", c.String("sha256")))
	}
	ix, err := client.Index(c.Context, base)
	if err != nil {
		return problemf("%v", err)
	}
	if c.Bool("list") {
		if err := onlyProduct(ix, c.String("product"), base); err != nil {
			return err
		}
		return writeReleaseTable(c.App.Writer, ix)
	}
	r, d, err := archive.Pick(ix, c.String("product"), c.String("release"), c.String("format"))
	if err != nil {
		if strings.HasPrefix(err.Error(), "format ") {
			return usageError(err)
		}
		return problemf("%s: %v", base, err)
	}
	if want := strings.ToLower(want); want != "" && want != d.SHA256 {
		return problemf("%s: index.json gives sha256 %s for %s, not the %s you expect\n\n"+
			"The archive publishes a different document than the one you were told about.\n"+
			"Nothing was written.", base, d.SHA256, d.Name(), want)
	}
	data, err := client.Download(c.Context, base, d)
	if err != nil {
		return problemf("%v", err)
	}
	out := c.String("output")
	if out == "-" {
		if _, err := c.App.Writer.Write(data); err != nil {
			return usageError(fmt.Errorf("writing stdout: %v", err))
		}
	} else if err := archive.WriteFile(out, data); err != nil {
		return usageError(err)
	}
	fmt.Fprintf(c.App.ErrWriter, "sbompipe: %s %s %s: %d bytes, sha256 %s, matches index.json\n",
		c.String("product"), r.Release, d.Name(), d.Size, d.SHA256)
	return nil
}

// sha256Hex is a SHA-256 digest in hex.
var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
