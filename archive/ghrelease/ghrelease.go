// Package ghrelease attaches a release's SBOM documents to the GitHub
// release of its tag, in a way that is safe to re-run and works with
// immutable releases.
//
// The flow follows GitHub's advice for immutable releases: find the release
// for the tag, or create it as a draft (drafts cannot be fetched by tag, so
// releases are listed); upload every asset; publish the release only if this
// run created it. An asset already there with the same SHA-256 digest is
// skipped, so a CI re-run is a no-op; one with a different digest is an
// error, unless Replace is set and the release is still a draft. An empty
// asset left in state "starter" by a failed upload is deleted and uploaded
// again.
//
// go-github v60 has no field for an asset's digest (it arrived in v74), so
// assets are listed with a raw request and decoded here. v60 also does not
// recognise 429 responses; rate limits (403 or 429 with retry-after or
// x-ratelimit-reset) are handled here with capped waits, and 5xx answers
// and dropped connections are retried with the file opened again.
package ghrelease

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Config says which repository to publish to and how patient to be.
type Config struct {
	// Token authenticates the requests (GITHUB_TOKEN). Required.
	Token string

	// Repository is "owner/name" (GITHUB_REPOSITORY). Required.
	Repository string

	// APIURL is the REST API root (GITHUB_API_URL). Empty means
	// https://api.github.com; for GitHub Enterprise Server it is
	// https://HOST/api/v3.
	APIURL string

	// UploadURL is the root for asset uploads. Empty derives it from
	// APIURL: uploads.github.com for github.com, https://HOST/api/uploads
	// for Enterprise Server, uploads.X for an api.X host (GHE.com).
	UploadURL string

	// HTTPClient sends the requests. Nil means a client with a 2-minute
	// timeout per request.
	HTTPClient *http.Client

	// MaxWait caps the total time spent waiting for rate limits. Zero
	// means 10 minutes.
	MaxWait time.Duration

	// Attempts is how often a request that failed with a 5xx answer or a
	// dropped connection is tried in all. Zero means 4.
	Attempts int

	// Sleep waits between attempts. Nil means a timer that stops early
	// when ctx is done. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error

	// Logf, when set, receives one line per step (found release, skipped
	// asset, waiting for a rate limit). Nil is quiet.
	Logf func(format string, args ...any)
}

// Asset is a local file to attach to the release.
type Asset struct {
	// Name is the asset's name on GitHub: [A-Za-z0-9._-] only, since
	// GitHub renames anything else.
	Name string
	// Path is the file to upload.
	Path string
	// MediaType is sent as the upload's Content-Type. Required: GitHub
	// keeps it, and guessing from the extension gives application/json
	// for an SBOM.
	MediaType string
	// Label is the display text GitHub shows instead of the name, if set.
	Label string
}

// Options change how Publish treats an existing release.
type Options struct {
	// Replace allows an asset whose digest differs to be deleted and
	// uploaded again, on a draft release only.
	Replace bool
	// Name is the title of a release this run creates; empty means the
	// tag.
	Name string
	// Commit is the commit a release this run creates points at
	// (GITHUB_SHA), used only if the tag does not exist yet.
	Commit string
}

// Outcome is what happened to one asset.
type Outcome string

// The outcomes of an asset.
const (
	Uploaded  Outcome = "uploaded"
	Unchanged Outcome = "unchanged" // already there with the same digest
	Replaced  Outcome = "replaced"  // Options.Replace on a draft
)

// AssetResult reports one asset.
type AssetResult struct {
	Name    string
	SHA256  string // hex, of the local file
	Outcome Outcome
}

// Result reports a Publish.
type Result struct {
	ReleaseID int64
	HTMLURL   string // the release's page
	// Created is true when this run created the release (as a draft).
	Created bool
	// Published is true when this run published the draft it created.
	Published bool
	Assets    []AssetResult
}

// Publisher talks to one repository's releases.
type Publisher struct {
	cfg         Config
	owner, repo string
	gh          *github.Client
}

var assetName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// maxAssetSize is GitHub's limit for one release asset.
const maxAssetSize = 2 << 30

// New checks cfg and returns a Publisher for its repository.
func New(cfg Config) (*Publisher, error) {
	if cfg.Token == "" {
		return nil, errors.New("no GitHub token: set GITHUB_TOKEN " +
			"(in a workflow: env: GITHUB_TOKEN: ${{ github.token }})")
	}
	owner, repo, ok := strings.Cut(cfg.Repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("repository %q: want owner/name (GITHUB_REPOSITORY)",
			cfg.Repository)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 10 * time.Minute
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	gh := github.NewClient(cfg.HTTPClient).WithAuthToken(cfg.Token)
	if cfg.APIURL != "" && strings.TrimSuffix(cfg.APIURL, "/") != "https://api.github.com" {
		upload := cfg.UploadURL
		if upload == "" {
			var err error
			if upload, err = uploadURLFor(cfg.APIURL); err != nil {
				return nil, err
			}
		}
		var err error
		if gh, err = gh.WithEnterpriseURLs(cfg.APIURL, upload); err != nil {
			return nil, fmt.Errorf("GitHub API URL %q: %w", cfg.APIURL, err)
		}
	}
	return &Publisher{cfg: cfg, owner: owner, repo: repo, gh: gh}, nil
}

// uploadURLFor derives the upload root from an API root that is not
// api.github.com.
func uploadURLFor(api string) (string, error) {
	u, err := url.Parse(api)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("GitHub API URL %q is not an absolute URL", api)
	}
	if host, ok := strings.CutPrefix(u.Host, "api."); ok {
		u.Host = "uploads." + host
		u.Path = "/"
		return u.String(), nil
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3") + "/api/uploads/"
	return u.String(), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (p *Publisher) logf(format string, args ...any) {
	if p.cfg.Logf != nil {
		p.cfg.Logf(format, args...)
	}
}
