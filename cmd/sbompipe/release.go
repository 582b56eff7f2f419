package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/archive"
	"github.com/sentrikat/sbompipe/archive/ghrelease"
	"github.com/sentrikat/sbompipe/internal/textsafe"
	"github.com/sentrikat/sbompipe/lockfile"
	"github.com/sentrikat/sbompipe/sbom"
)

func releaseCommand() *cli.Command {
	return &cli.Command{
		Name:      "release",
		Usage:     "the release job: verify, write, archive and publish a tagged release's SBOMs",
		ArgsUsage: " ",
		Description: "Runs the supply-chain half of a release, for the tag --version names " +
			"(default\n" +
			"$GITHUB_REF_NAME on a tag push, else the tag at HEAD):\n\n" +
			"  1. verify every requirements file (strict: any error stops the release);\n" +
			"  2. write the documents (--format, default CycloneDX and SPDX JSON);\n" +
			"  3. add them to the archive (--store) and rewrite its index;\n" +
			"  4. with --github-release, attach them and SHA256SUMS to the GitHub release of\n" +
			"     the tag (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL).\n\n" +
			"The product is --product, else the repository's name ($GITHUB_REPOSITORY),\n" +
			"else the working directory's name. Inputs are those of sbom; with none,\n" +
			"requirements.txt (checked against\n" +
			"requirements.in when there is one) and go.mod of the working directory.\n" +
			"SOURCE_DATE_EPOCH defaults to the tagged commit's time, so running the same\n" +
			"tag again gives the same bytes and changes nothing. Copies of the documents\n" +
			"and SHA256SUMS go to --out. Under GitHub Actions, findings are annotations and\n" +
			"the step gets a job summary and the outputs cyclonedx, spdx, sha256sums and\n" +
			"index.\n\n" +
			"Exit codes: 0 released (or already released with the same bytes), 1 a\n" +
			"requirements file has errors or the archive or GitHub holds different bytes\n" +
			"for this release, 2 usage, input or environment error.",
		Flags: append(sbomInputFlags(),
			storeFlag(),
			&cli.StringFlag{Name: "in",
				Usage: "also check the lockfile against `FILE` (requirements.in): " +
					"stale and orphan entries"},
			&cli.StringFlag{Name: "contact",
				Usage: "`EMAIL` the /sbom page offers for requests of archived SBOMs"},
			&cli.StringFlag{Name: "out", Value: "dist/sbom",
				Usage: "`DIR` for local copies of the documents and SHA256SUMS"},
			&cli.BoolFlag{Name: "github-release",
				Usage: "attach the documents and SHA256SUMS to the GitHub release of the tag"},
			&cli.BoolFlag{Name: "replace",
				Usage: "replace different stored documents (recorded in the index), " +
					"and assets of a draft release"},
			&cli.BoolFlag{Name: "allow-dirty",
				Usage: "release even if HEAD is not the tag or tracked files have changes"},
			formatFlagNamed("report", "report format on stdout", "text", "json"),
		),
		Action: runRelease,
	}
}

// formatFlagNamed is formatFlag under another name, for commands whose
// --format names something else.
func formatFlagNamed(name, usage string, values ...string) *cli.StringFlag {
	f := formatFlag(usage, values...)
	f.Name = name
	return f
}

// releaseJob is what runRelease works out before it changes anything.
type releaseJob struct {
	inputs  sbom.Inputs
	formats []sbom.Format
	in      string // requirements.in for stale and orphan, or ""
	epoch   time.Time
	commit  string // the tagged commit, when known
	replace bool
	store   *archive.Store
	github  *ghrelease.Publisher
}

func runRelease(c *cli.Context) error {
	report, err := oneOf(c, "report", "text", "json")
	if err != nil {
		return err
	}
	job, err := planRelease(c)
	if err != nil {
		return err
	}
	stderr := c.App.ErrWriter
	product, version := job.inputs.Subject.Name, job.inputs.Subject.Version
	fmt.Fprintf(stderr, "sbompipe: releasing %s %s (timestamp %s)\n",
		product, version, job.epoch.Format(time.RFC3339))

	if err := verifyForRelease(c, job); err != nil {
		return err
	}

	b, err := sbom.Collect(c.Context, job.inputs)
	if err != nil {
		return err
	}
	b.Tool = sbom.Tool{Name: "sbompipe", Version: toolVersion()}
	b.Timestamp = job.epoch
	for _, w := range b.Warnings {
		fmt.Fprintf(stderr, "sbompipe: warning: %s\n", textsafe.Lines(w))
	}
	docs, err := encodeDocuments(b, job.formats,
		sbom.EncodeOptions{CycloneDXVersion: c.String("cyclonedx-version")})
	if err != nil {
		return err
	}
	printSBOMSummary(stderr, b)

	// --out's copies are written after the store is changed: a copy that
	// could not be written is found now, before the store is.
	if err := checkReleaseCopies(c.String("out"), product, version, job.formats); err != nil {
		return usageError(err)
	}

	// The store is opened (and a folder created) only now that there is
	// something to put in it.
	if job.store, err = openStore(c, true); err != nil {
		return err
	}
	defer job.store.Close()
	add := archive.AddOptions{
		Product: product,
		Release: version,
		Replace: job.replace,
		Contact: c.String("contact"),
	}
	for i, f := range job.formats {
		add.Files = append(add.Files,
			archive.Input{Name: sbom.FileName(product, version, f), Data: docs[i]})
	}
	results, err := job.store.Add(c.Context, add)
	var refused *archive.RefusedError
	if errors.As(err, &refused) {
		writeArchiveResults(c.App.Writer, results)
		return problemf("%v\nA release is immutable: the archive keeps what it published. "+
			"Release a new version, or pass --replace to overwrite (the index records it).", err)
	}
	if err != nil {
		return err
	}

	out, err := writeReleaseCopies(c.String("out"), add.Files, results)
	if err != nil {
		return err
	}
	var gh *ghrelease.Result
	if job.github != nil {
		gh, err = publishToGitHub(c.Context, job, out)
		if err != nil {
			return err
		}
	}
	return reportRelease(c, job, report, out, gh)
}

// planRelease reads the flags and the environment and checks everything
// that can be checked before the release changes anything.
func planRelease(c *cli.Context) (*releaseJob, error) {
	if c.Args().Present() {
		return nil, usageError(errors.New(
			"release takes no arguments; name inputs with --python, --go, --go-binary"))
	}
	job := &releaseJob{in: c.String("in"), replace: c.Bool("replace")}
	var err error
	if job.formats, err = sbomFormats(c.StringSlice("format")); err != nil {
		return nil, usageError(err)
	}
	if err := checkCycloneDXVersion(c.String("cyclonedx-version")); err != nil {
		return nil, usageError(err)
	}
	defaults := len(c.StringSlice("python"))+len(c.StringSlice("go"))+
		len(c.StringSlice("go-binary")) == 0
	if job.inputs, err = sbomInputs(c); err != nil {
		return nil, usageError(err)
	}
	if c.String("product") == "" {
		if _, repo, ok := strings.Cut(os.Getenv("GITHUB_REPOSITORY"), "/"); ok && repo != "" {
			job.inputs.Subject.Name = repo
		}
	}
	if job.in == "" && defaults && len(job.inputs.Python) > 0 {
		if _, err := os.Stat("requirements.in"); err == nil {
			job.in = "requirements.in"
		}
	}
	version, err := releaseVersion(c)
	if err != nil {
		return nil, usageError(err)
	}
	job.inputs.Subject.Version = version
	names := map[string]string{"product": job.inputs.Subject.Name, "release": version}
	for what, name := range names {
		if err := archive.CheckName(what, name); err != nil {
			return nil, usageError(err)
		}
	}
	if !c.Bool("allow-dirty") {
		if err := checkCheckout(c.Context, version); err != nil {
			return nil, usageError(err)
		}
	}
	if job.epoch, job.commit, err = releaseTime(c.Context, version); err != nil {
		return nil, usageError(err)
	}
	if sha := os.Getenv("GITHUB_SHA"); sha != "" && os.Getenv("GITHUB_REF_TYPE") == "tag" {
		job.commit = sha
	}
	if contact := c.String("contact"); contact != "" {
		if err := archive.CheckContact(contact); err != nil {
			return nil, usageError(err)
		}
	}
	if c.Bool("github-release") {
		if job.github, err = githubPublisher(c, job); err != nil {
			return nil, usageError(err)
		}
	}
	return job, nil
}

// releaseVersion returns the release's name: --version, else the tag a
// GitHub Actions tag push names, else the tag at HEAD.
func releaseVersion(c *cli.Context) (string, error) {
	if v := c.String("version"); v != "" {
		return v, nil
	}
	if ref := os.Getenv("GITHUB_REF_NAME"); ref != "" {
		if t := os.Getenv("GITHUB_REF_TYPE"); t != "" && t != "tag" {
			return "", fmt.Errorf("the workflow runs on the %s %s, not on a tag: "+
				"run release on a tag push (on: push: tags:) or give --version", t, ref)
		}
		return ref, nil
	}
	out, err := git(c.Context, "tag", "--points-at", "HEAD")
	tags := strings.Fields(out)
	switch {
	case err != nil || len(tags) == 0:
		return "", errors.New("no version: give --version, or run release on a tag " +
			"(GITHUB_REF_NAME in a workflow, or a tag at HEAD)")
	case len(tags) > 1:
		return "", fmt.Errorf("HEAD has the tags %s: "+
			"say which one is being released with --version", strings.Join(tags, ", "))
	}
	return tags[0], nil
}

// checkCheckout makes sure that what is released is what the tag holds:
// in a git checkout, HEAD must be the tag's commit (when the tag is here)
// and no tracked file may differ from it. Outside git there is nothing to
// check.
func checkCheckout(ctx context.Context, version string) error {
	if _, err := git(ctx, "rev-parse", "--is-inside-work-tree"); err != nil {
		return nil
	}
	head, err := git(ctx, "rev-parse", "HEAD")
	if err != nil {
		return nil // a repository without commits: no tag to compare
	}
	tagged, err := git(ctx, "rev-parse", "--verify", "--quiet", "refs/tags/"+version+"^{commit}")
	if err == nil && tagged != head {
		return fmt.Errorf("the tag %s is at %.12s but HEAD is %.12s: check out the tag, "+
			"or pass --allow-dirty to release the working tree anyway", version, tagged, head)
	}
	status, err := git(ctx, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return err
	}
	if status != "" {
		lines := strings.Split(status, "\n")
		if len(lines) > 5 {
			lines = append(lines[:5], fmt.Sprintf("… and %d more", len(lines)-5))
		}
		return fmt.Errorf("the working tree differs from %s in tracked files:\n  %s\n"+
			"release what the tag holds (commit or stash the changes), or pass --allow-dirty",
			version, strings.Join(lines, "\n  "))
	}
	return nil
}

// releaseTime returns the documents' timestamp: SOURCE_DATE_EPOCH, else the
// time of the tagged commit (the tag's commit if the tag exists here, else
// HEAD), so that running the same tag again gives the same bytes.
func releaseTime(ctx context.Context, version string) (time.Time, string, error) {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		when, err := sourceDateEpoch()
		commit, _ := git(ctx, "rev-parse", "--verify", "--quiet", "refs/tags/"+version+"^{commit}")
		return when, commit, err
	}
	ref := "HEAD"
	tag := "refs/tags/" + version + "^{commit}"
	if _, err := git(ctx, "rev-parse", "--verify", "--quiet", tag); err == nil {
		ref = tag
	}
	out, err := git(ctx, "log", "-1", "--format=%ct %H", ref)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("SOURCE_DATE_EPOCH is not set "+
			"and the commit time cannot be read (%v): "+
			"set SOURCE_DATE_EPOCH, or run release in the release's git checkout", err)
	}
	secs, commit, _ := strings.Cut(out, " ")
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("git log: unexpected output %q", out)
	}
	return time.Unix(sec, 0).UTC(), commit, nil
}

// git runs git in the working directory and returns its trimmed output.
func git(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("git %s: %s", args[0], firstLine(msg))
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return strings.TrimSpace(string(out)), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// verifyForRelease checks every requirements file with the strict rules;
// a finding of severity error stops the release before anything is
// written.
func verifyForRelease(c *cli.Context, job *releaseJob) error {
	if len(job.inputs.Python) == 0 {
		return nil
	}
	var checks []lockfile.Check
	if job.in != "" {
		in, err := lockfile.Parse(job.in, lockfile.ParseOptions{})
		if err != nil {
			return usageError(fmt.Errorf("--in: %w", err))
		}
		checks = append(checks, lockfile.InputCheck(in))
	}
	report, err := verifyFiles(c.Context, job.inputs.Python, checks)
	if err != nil {
		return err
	}
	stderr := c.App.ErrWriter
	for _, f := range report.Findings {
		fmt.Fprintf(stderr, "%s\n", f)
	}
	if inGitHubActions() {
		err := writeAnnotations(stderr, "sbompipe verify", findingAnnotations(report))
		if err != nil {
			return err
		}
	}
	if report.Errors > 0 {
		return problemf("verify: %s; nothing was released", summary(report))
	}
	fmt.Fprintf(stderr, "sbompipe: verify: %s\n", summary(report))
	return nil
}

// githubName is what GitHub keeps of an asset name unchanged.
var githubName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// githubPublisher checks the GitHub settings before anything is written.
func githubPublisher(c *cli.Context, job *releaseJob) (*ghrelease.Publisher, error) {
	for _, f := range job.formats {
		name := sbom.FileName(job.inputs.Subject.Name, job.inputs.Subject.Version, f)
		stored := job.inputs.Subject.Name + "_" + job.inputs.Subject.Version + path.Ext(name)
		if !githubName.MatchString(stored) {
			return nil, fmt.Errorf("--github-release: GitHub would rename the asset %s "+
				"(it keeps only A-Z a-z 0-9 . _ -); "+
				"choose a product and version without other characters", stored)
		}
	}
	return ghrelease.New(ghrelease.Config{
		Token:      os.Getenv("GITHUB_TOKEN"),
		Repository: os.Getenv("GITHUB_REPOSITORY"),
		APIURL:     os.Getenv("GITHUB_API_URL"),
		Logf: func(format string, args ...any) {
			fmt.Fprintf(c.App.ErrWriter, "sbompipe: github: "+format+"\n", args...)
		},
	})
}

// releaseCopy is a document of the release as written to --out.
type releaseCopy struct {
	archive.FileResult
	Local string           `json:"local"`
	Doc   archive.Document `json:"-"`
}

// releaseCopies are the local copies of a release's files.
type releaseCopies struct {
	Docs []releaseCopy
	Sums string // the SHA256SUMS file
}

// writeReleaseCopies writes each stored document, under the name the
// archive gave it, and the release's SHA256SUMS into dir.
// checkReleaseCopies refuses a --out folder that writeReleaseCopies could
// not write: a file where the folder should be, or a destination that
// archive.WriteFile refuses.
func checkReleaseCopies(dir, product, version string, formats []sbom.Format) error {
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--out %s: not a folder", dir)
	}
	names := []string{"SHA256SUMS"}
	for _, f := range formats {
		names = append(names, sbom.FileName(product, version, f))
	}
	for _, name := range names {
		if path := filepath.Join(dir, name); !archive.CanWriteFile(path) {
			return fmt.Errorf("--out: %s exists and is not a regular file; "+
				"nothing was released", path)
		}
	}
	return nil
}

func writeReleaseCopies(dir string, files []archive.Input,
	results []archive.FileResult) (*releaseCopies, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out := &releaseCopies{}
	var sums []archive.Document
	for i, r := range results {
		doc, err := archive.Detect(files[i].Name, files[i].Data)
		if err != nil {
			return nil, err
		}
		doc.Path = r.Path
		local := filepath.Join(dir, doc.Name())
		if err := archive.WriteFile(local, files[i].Data); err != nil {
			return nil, err
		}
		out.Docs = append(out.Docs, releaseCopy{FileResult: r, Local: local, Doc: doc})
		sums = append(sums, doc)
	}
	out.Sums = filepath.Join(dir, "SHA256SUMS")
	if err := archive.WriteFile(out.Sums, archive.SHA256SUMS(sums)); err != nil {
		return nil, err
	}
	return out, nil
}

// publishToGitHub attaches the copies and SHA256SUMS to the tag's release.
func publishToGitHub(ctx context.Context, job *releaseJob,
	out *releaseCopies) (*ghrelease.Result, error) {
	var assets []ghrelease.Asset
	for _, d := range out.Docs {
		assets = append(assets,
			ghrelease.Asset{Name: d.Doc.Name(), Path: d.Local, MediaType: d.Doc.MediaType})
	}
	assets = append(assets, ghrelease.Asset{
		Name:      "SHA256SUMS",
		Path:      out.Sums,
		MediaType: "text/plain; charset=utf-8",
	})
	version := job.inputs.Subject.Version
	opts := ghrelease.Options{Replace: job.replace, Commit: job.commit}
	res, err := job.github.Publish(ctx, version, assets, opts)
	var conflict *ghrelease.ConflictError
	if errors.As(err, &conflict) {
		return nil, problemf("github release %s: %v", version, err)
	}
	if err != nil {
		return nil, fmt.Errorf("github release %s: %w", version, err)
	}
	return res, nil
}

// reportRelease prints what was released, and under GitHub Actions writes
// the job summary and the step outputs.
func reportRelease(c *cli.Context, job *releaseJob, format string, out *releaseCopies,
	gh *ghrelease.Result) error {
	product, version := job.inputs.Subject.Name, job.inputs.Subject.Version
	index := job.store.Location("index.json")
	if format == "json" {
		v := map[string]any{"product": product, "release": version, "store": job.store.String(),
			"index": index, "sha256sums": out.Sums, "documents": out.Docs}
		if gh != nil {
			v["github"] = gh
		}
		if err := writeJSON(c.App.Writer, v); err != nil {
			return err
		}
	} else {
		results := make([]archive.FileResult, len(out.Docs))
		for i, d := range out.Docs {
			results[i] = d.FileResult
		}
		writeArchiveResults(c.App.Writer, results)
		if gh != nil {
			for _, a := range gh.Assets {
				fmt.Fprintf(c.App.Writer, "github %s\t%s\tsha256:%s\n",
					a.Outcome, a.Name, a.SHA256)
			}
		}
	}
	fmt.Fprintf(c.App.ErrWriter, "sbompipe: released %s %s into %s (index: %s)\n",
		product, version, job.store, index)
	if gh != nil {
		fmt.Fprintf(c.App.ErrWriter, "sbompipe: GitHub release: %s\n", gh.HTMLURL)
	}

	if !inGitHubActions() {
		return nil
	}
	outputs := [][2]string{{"index", index}, {"sha256sums", out.Sums}}
	for _, d := range out.Docs {
		switch d.Doc.Kind() {
		case archive.CycloneDXJSON:
			outputs = append(outputs, [2]string{"cyclonedx", d.Local})
		case archive.SPDXJSON:
			outputs = append(outputs, [2]string{"spdx", d.Local})
		}
	}
	if err := setStepOutputs(outputs); err != nil {
		return fmt.Errorf("writing step outputs: %w", err)
	}
	if err := appendStepSummary(releaseSummary(job, out, gh)); err != nil {
		return fmt.Errorf("writing the job summary: %w", err)
	}
	return nil
}

// writeArchiveResults writes one line per document: outcome, store path,
// digest.
func writeArchiveResults(w io.Writer, results []archive.FileResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\tsha256:%s\n", r.Outcome, r.Path, r.SHA256)
	}
	tw.Flush()
}

// releaseSummary is the job summary: a Markdown table of the documents.
func releaseSummary(job *releaseJob, out *releaseCopies, gh *ghrelease.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### SBOMs of %s %s\n\n",
		mdCode(job.inputs.Subject.Name), mdCode(job.inputs.Subject.Version))
	b.WriteString("| document | format | components | size | SHA-256 | archive |\n")
	b.WriteString("|---|---|--:|--:|---|---|\n")
	for _, d := range out.Docs {
		fmt.Fprintf(&b, "| %s | %s %s | %d | %d | %s | %s |\n",
			mdCode(d.Doc.Name()), formatTitle(d.Doc.Format), d.Doc.SpecVersion,
			d.Doc.Components, d.Doc.Size, mdCode(d.Doc.SHA256), d.Outcome)
	}
	fmt.Fprintf(&b, "\nStore %s, index %s.",
		mdCode(job.store.String()), mdCode(job.store.Location("index.json")))
	if gh != nil {
		fmt.Fprintf(&b, " Attached to the [GitHub release](%s).", gh.HTMLURL)
	}
	b.WriteString("\n")
	return b.String()
}

func formatTitle(format string) string {
	switch format {
	case "cyclonedx":
		return "CycloneDX"
	case "spdx":
		return "SPDX"
	}
	return format
}

// mdCode puts s in a Markdown code span that no backtick or pipe in it
// can break.
func mdCode(s string) string {
	s = strings.NewReplacer("`", "'", "|", "\\|", "\n", " ").Replace(s)
	return "`" + s + "`"
}
