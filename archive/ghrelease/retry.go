package ghrelease

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/google/go-github/v60/github"
)

// call runs one API request, waiting out rate limits (the request was not
// served, so it is safe to repeat) and retrying 5xx answers and dropped
// connections, up to Config.Attempts tries.
func (p *Publisher) call(ctx context.Context, what string,
	fn func() (*github.Response, error)) error {
	return p.retry(ctx, what, true, fn)
}

// callOnce is call for a request that must not be repeated after its
// answer was lost (creating a release): only rate limits are waited out.
func (p *Publisher) callOnce(ctx context.Context, what string,
	fn func() (*github.Response, error)) error {
	return p.retry(ctx, what, false, fn)
}

func (p *Publisher) retry(ctx context.Context, what string, idempotent bool,
	fn func() (*github.Response, error)) error {
	var waited time.Duration
	failures := 0
	for {
		resp, err := fn()
		if err == nil {
			return nil
		}
		if wait, limited := rateLimitWait(resp, err, time.Now()); limited {
			if waited+wait > p.cfg.MaxWait {
				return fmt.Errorf("%s: rate limited by GitHub; "+
					"waiting %s more would pass the %s limit: %w",
					what, wait.Round(time.Second), p.cfg.MaxWait, describe(resp, err))
			}
			p.logf("%s: rate limited, waiting %s", what, wait.Round(time.Second))
			waited += wait
			if err := p.cfg.Sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		var lost *uploadLost
		if !idempotent || errors.As(err, &lost) || !retryable(resp, err) {
			return fmt.Errorf("%s: %w", what, describe(resp, err))
		}
		failures++
		if failures >= p.cfg.Attempts {
			return fmt.Errorf("%s: giving up after %d attempts: %w",
				what, failures, describe(resp, err))
		}
		p.logf("%s: %v; trying again", what, describe(resp, err))
		if err := p.cfg.Sleep(ctx, backoff(failures)); err != nil {
			return err
		}
	}
}

// backoff is the wait after the n-th failed attempt: 1s, 2s, 4s, … 30s.
func backoff(n int) time.Duration {
	d := time.Second << (n - 1)
	if d > 30*time.Second || d <= 0 {
		d = 30 * time.Second
	}
	return d
}

// rateLimitWait reports whether the answer is a rate limit, and how long to
// wait: retry-after when given; else, with no requests remaining, until
// x-ratelimit-reset; else (a secondary limit without either) a minute.
func rateLimitWait(resp *github.Response, err error, now time.Time) (time.Duration, bool) {
	var primary *github.RateLimitError
	var secondary *github.AbuseRateLimitError
	hr := httpResponse(resp, err)
	switch {
	case errors.As(err, &secondary):
		if secondary.RetryAfter != nil {
			return max(*secondary.RetryAfter, time.Second), true
		}
	case errors.As(err, &primary):
	case hr != nil && hr.StatusCode == http.StatusTooManyRequests:
	case hr != nil && hr.StatusCode == http.StatusForbidden && hr.Header.Get("Retry-After") != "":
	default:
		return 0, false
	}
	if hr != nil {
		if s, err := strconv.Atoi(hr.Header.Get("Retry-After")); err == nil && s >= 0 {
			return max(time.Duration(s)*time.Second, time.Second), true
		}
		if hr.Header.Get("X-Ratelimit-Remaining") == "0" {
			reset, err := strconv.ParseInt(hr.Header.Get("X-Ratelimit-Reset"), 10, 64)
			if err == nil {
				return max(time.Unix(reset, 0).Sub(now)+time.Second, time.Second), true
			}
		}
	}
	return time.Minute, true
}

// retryable reports whether a failed request may succeed when repeated: a
// 5xx answer, or a connection that broke before an answer came.
func retryable(resp *github.Response, err error) bool {
	if hr := httpResponse(resp, err); hr != nil {
		return hr.StatusCode >= 500
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED)
}

// httpResponse finds the HTTP answer behind a go-github result.
func httpResponse(resp *github.Response, err error) *http.Response {
	if resp != nil && resp.Response != nil {
		return resp.Response
	}
	if r := responseOf(err); r != nil {
		return r.Response
	}
	return nil
}

func responseOf(err error) *github.Response {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return &github.Response{Response: er.Response}
	}
	return nil
}

func isStatus(err error, code int) bool {
	r := responseOf(err)
	return r != nil && r.StatusCode == code
}

// describe turns a go-github error into a short message with the status.
func describe(resp *github.Response, err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		msg := er.Message
		for _, e := range er.Errors {
			msg += fmt.Sprintf(" (%s %s %s)", e.Resource, e.Field, e.Code)
		}
		return fmt.Errorf("%s %s: %s", er.Response.Request.Method, er.Response.Status, msg)
	}
	return err
}
