package ghrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-github/v60/github"
)

// remoteAsset is a release asset as the REST API returns it, with the
// digest field that go-github v60 lacks.
type remoteAsset struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"` // "sha256:<hex>"; absent on older servers
}

// local is an asset with its digest computed.
type local struct {
	Asset
	sha256 string
	size   int64
}

// Publish attaches assets to the release of tag, creating the release as a
// draft when there is none and publishing it once every asset is there.
func (p *Publisher) Publish(ctx context.Context, tag string, assets []Asset,
	opts Options) (*Result, error) {
	files, err := hashAssets(assets)
	if err != nil {
		return nil, err
	}
	rel, created, err := p.release(ctx, tag, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{ReleaseID: rel.GetID(), HTMLURL: rel.GetHTMLURL(), Created: created}

	existing, err := p.listAssets(ctx, rel.GetID())
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		outcome, err := p.attach(ctx, rel, f, existing[f.Name], opts)
		if err != nil {
			return res, fmt.Errorf("asset %s: %w", f.Name, err)
		}
		res.Assets = append(res.Assets,
			AssetResult{Name: f.Name, SHA256: f.sha256, Outcome: outcome})
	}

	if created {
		edit := &github.RepositoryRelease{Draft: github.Bool(false)}
		err := p.call(ctx, "publishing the release", func() (*github.Response, error) {
			r, resp, err := p.gh.Repositories.EditRelease(ctx, p.owner, p.repo, rel.GetID(), edit)
			if err == nil {
				res.HTMLURL = r.GetHTMLURL()
			}
			return resp, err
		})
		if err != nil {
			return res, err
		}
		res.Published = true
		p.logf("published release %s", tag)
	}
	return res, nil
}

func hashAssets(assets []Asset) ([]local, error) {
	seen := map[string]bool{}
	var files []local
	for _, a := range assets {
		switch {
		case !assetName.MatchString(a.Name):
			return nil, fmt.Errorf("asset name %q: GitHub renames names outside [A-Za-z0-9._-]",
				a.Name)
		case seen[a.Name]:
			return nil, fmt.Errorf("asset %s given twice", a.Name)
		case a.MediaType == "":
			return nil, fmt.Errorf("asset %s: no media type", a.Name)
		}
		seen[a.Name] = true
		sum, size, err := fileSHA256(a.Path)
		if err != nil {
			return nil, err
		}
		if size > maxAssetSize {
			return nil, fmt.Errorf("%s: %d bytes is over GitHub's 2 GiB limit for an asset",
				a.Path, size)
		}
		files = append(files, local{Asset: a, sha256: sum, size: size})
	}
	return files, nil
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// release finds the release of tag, published or draft, or creates a draft.
func (p *Publisher) release(ctx context.Context, tag string,
	opts Options) (*github.RepositoryRelease, bool, error) {
	var rel *github.RepositoryRelease
	err := p.call(ctx, "looking up the release of "+tag, func() (*github.Response, error) {
		r, resp, err := p.gh.Repositories.GetReleaseByTag(ctx, p.owner, p.repo, tag)
		if isStatus(err, http.StatusNotFound) {
			return resp, nil
		}
		rel = r
		return resp, err
	})
	if err != nil || rel != nil {
		if rel != nil {
			p.logf("found release %s (id %d)", tag, rel.GetID())
		}
		return rel, false, err
	}

	// Drafts are not found by tag: page through the releases.
	list := &github.ListOptions{PerPage: 100}
	for {
		var page []*github.RepositoryRelease
		var next int
		err := p.call(ctx, "listing releases", func() (*github.Response, error) {
			rels, resp, err := p.gh.Repositories.ListReleases(ctx, p.owner, p.repo, list)
			page = rels
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return nil, false, err
		}
		for _, r := range page {
			if r.GetTagName() == tag && r.GetDraft() {
				p.logf("found draft release %s (id %d)", tag, r.GetID())
				return r, false, nil
			}
		}
		if next == 0 {
			break
		}
		list.Page = next
	}

	name := opts.Name
	if name == "" {
		name = tag
	}
	create := &github.RepositoryRelease{
		TagName: github.String(tag),
		Name:    github.String(name),
		Draft:   github.Bool(true),
	}
	if opts.Commit != "" {
		// Should the tag not exist yet, GitHub creates it here rather than
		// at the head of the default branch.
		create.TargetCommitish = github.String(opts.Commit)
	}
	// Creating is not idempotent: a retry after a lost answer could make a
	// second draft, so only rate limits are waited out.
	var rel2 *github.RepositoryRelease
	err = p.callOnce(ctx, "creating a draft release for "+tag, func() (*github.Response, error) {
		r, resp, err := p.gh.Repositories.CreateRelease(ctx, p.owner, p.repo, create)
		rel2 = r
		return resp, err
	})
	if err != nil {
		return nil, false, err
	}
	p.logf("created draft release %s (id %d)", tag, rel2.GetID())
	return rel2, true, nil
}

// listAssets returns the release's assets by name, with their digests.
func (p *Publisher) listAssets(ctx context.Context,
	releaseID int64) (map[string]remoteAsset, error) {
	assets := map[string]remoteAsset{}
	page := 1
	for page != 0 {
		u := fmt.Sprintf("repos/%s/%s/releases/%d/assets?per_page=100&page=%d",
			p.owner, p.repo, releaseID, page)
		var batch []remoteAsset
		var next int
		err := p.call(ctx, "listing release assets", func() (*github.Response, error) {
			req, err := p.gh.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			batch = nil
			resp, err := p.gh.Do(ctx, req, &batch)
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, a := range batch {
			assets[a.Name] = a
		}
		page = next
	}
	return assets, nil
}

// attach makes sure f is on the release, given what is there now.
func (p *Publisher) attach(ctx context.Context, rel *github.RepositoryRelease, f local,
	have remoteAsset, opts Options) (Outcome, error) {
	outcome := Uploaded
	if have.ID != 0 {
		same, err := p.sameContent(ctx, have, f)
		if err != nil {
			return "", err
		}
		switch {
		case same:
			p.logf("%s: already on the release with sha256 %s", f.Name, f.sha256)
			return Unchanged, nil
		case have.State != "uploaded":
			p.logf("%s: deleting a leftover of a failed upload (state %q)", f.Name, have.State)
		case !opts.Replace:
			return "", &ConflictError{
				Name:   f.Name,
				Remote: have.Digest,
				Local:  "sha256:" + f.sha256,
				Why:    "releases are not rewritten without --replace",
			}
		case !rel.GetDraft():
			return "", &ConflictError{
				Name:   f.Name,
				Remote: have.Digest,
				Local:  "sha256:" + f.sha256,
				Why: "the release is published, " +
					"and a published release's assets are not replaced",
			}
		default:
			p.logf("%s: replacing %s on the draft (--replace)", f.Name, have.Digest)
			outcome = Replaced
		}
		if err := p.deleteAsset(ctx, have); err != nil {
			return "", err
		}
	}
	return outcome, p.upload(ctx, rel.GetID(), f)
}

// sameContent reports whether the remote asset holds f's bytes: by its
// digest, or, where the server gives none (older Enterprise Server), by
// downloading it.
func (p *Publisher) sameContent(ctx context.Context, have remoteAsset, f local) (bool, error) {
	if have.State != "uploaded" {
		return false, nil
	}
	if have.Digest != "" {
		return strings.EqualFold(have.Digest, "sha256:"+f.sha256), nil
	}
	if have.Size != f.size {
		return false, nil
	}
	var sum string
	what := "downloading " + have.Name + " to compare it"
	err := p.call(ctx, what, func() (*github.Response, error) {
		rc, _, err := p.gh.Repositories.DownloadReleaseAsset(ctx, p.owner, p.repo, have.ID,
			p.cfg.HTTPClient)
		if err != nil {
			return responseOf(err), err
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, io.LimitReader(rc, f.size+1)); err != nil {
			return nil, err
		}
		sum = hex.EncodeToString(h.Sum(nil))
		return nil, nil
	})
	return sum == f.sha256, err
}

func (p *Publisher) deleteAsset(ctx context.Context, a remoteAsset) error {
	return p.call(ctx, "deleting asset "+a.Name, func() (*github.Response, error) {
		resp, err := p.gh.Repositories.DeleteReleaseAsset(ctx, p.owner, p.repo, a.ID)
		if isStatus(err, http.StatusNotFound) {
			return resp, nil // already gone
		}
		return resp, err
	})
}

// upload sends f, opening it again for every attempt. After an attempt
// whose answer was lost or a 5xx, or that GitHub refused because the name
// exists (an earlier attempt may have succeeded after all), the assets are
// listed again and the decision is taken anew.
func (p *Publisher) upload(ctx context.Context, releaseID int64, f local) error {
	for attempt := 1; ; attempt++ {
		err := p.call(ctx, "uploading "+f.Name, func() (*github.Response, error) {
			file, err := os.Open(f.Path)
			if err != nil {
				return nil, err
			}
			defer file.Close()
			up := &github.UploadOptions{Name: f.Name, Label: f.Label, MediaType: f.MediaType}
			_, resp, err := p.gh.Repositories.UploadReleaseAsset(ctx, p.owner, p.repo,
				releaseID, up, file)
			if retryable(resp, err) {
				// Not retried blindly: look at what the attempt left.
				return resp, &uploadLost{err: describe(resp, err)}
			}
			return resp, err
		})
		var lost *uploadLost
		switch {
		case err == nil:
			p.logf("%s: uploaded (sha256 %s)", f.Name, f.sha256)
			return nil
		case errors.As(err, &lost), isAlreadyExists(err):
		default:
			return err
		}
		if attempt >= p.cfg.Attempts {
			return fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		assets, lerr := p.listAssets(ctx, releaseID)
		if lerr != nil {
			return lerr
		}
		have, ok := assets[f.Name]
		if !ok {
			if err := p.cfg.Sleep(ctx, backoff(attempt)); err != nil {
				return err
			}
			continue
		}
		if same, err := p.sameContent(ctx, have, f); err != nil || same {
			return err // the earlier attempt did arrive
		}
		if have.State == "uploaded" {
			return &ConflictError{Name: f.Name, Remote: have.Digest, Local: "sha256:" + f.sha256,
				Why: "it appeared after a failed upload attempt"}
		}
		p.logf("%s: deleting the empty asset a failed upload left (state %q)", f.Name, have.State)
		if err := p.deleteAsset(ctx, have); err != nil {
			return err
		}
	}
}

// ConflictError is an asset the release already holds with other bytes.
type ConflictError struct {
	Name   string
	Remote string // "sha256:<hex>", or "" where GitHub gives no digest
	Local  string // "sha256:<hex>"
	Why    string // why the asset is not replaced
}

// Error names the asset and both digests, then says why.
func (e *ConflictError) Error() string {
	remote := e.Remote
	if remote == "" {
		remote = "other bytes"
	}
	return fmt.Sprintf("the release already has a different %s (GitHub: %s, local: %s): %s",
		e.Name, remote, e.Local, e.Why)
}

// uploadLost marks an upload whose outcome is unknown.
type uploadLost struct{ err error }

func (e *uploadLost) Error() string { return e.err.Error() }
func (e *uploadLost) Unwrap() error { return e.err }

func isAlreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil ||
		er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}
