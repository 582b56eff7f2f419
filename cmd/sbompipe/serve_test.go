package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sentrikat/sbompipe/archive"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// startServe runs `sbompipe serve` in-process on a free 127.0.0.1 port,
// with extra arguments, and returns the page's base URL and the log serve
// writes to stderr.
func startServe(t *testing.T, store string, extra ...string) (string, *testparts.SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"sbompipe", "serve", "--store", store,
		"--addr", "127.0.0.1:0", "--prefix", "/sbom"}, extra...)
	go func() {
		done <- run(ctx, args, nil, io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	lines := bufio.NewReader(pr)
	first, err := lines.ReadString('\n')
	if err != nil {
		t.Fatalf("serve did not start: %v", err)
	}
	m := regexp.MustCompile(`at (https?://127\.0\.0\.1:\d+/sbom)/\n$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("serve said %q, want its address", first)
	}
	logs := new(testparts.SyncBuffer)
	go io.Copy(logs, lines)
	return m[1], logs
}

// pageStore makes a store with two products, a replaced document and a
// contact address, so that the page shows every part it has.
func pageStore(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	store := filepath.Join(work, "store")
	s, err := archive.Open(context.Background(), store, archive.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	add := func(product, release string, n int, replace bool) {
		var in []archive.Input
		for _, f := range writeRelease(t, work, release, n) {
			data, _ := os.ReadFile(f)
			in = append(in, archive.Input{Name: f, Data: data})
		}
		if replace {
			in = in[:1]
			in[0].Data = bytes.Replace(in[0].Data, []byte(`"pkg0"`), []byte(`"pkg0-fixed"`), 1)
		}
		_, err := s.Add(context.Background(), archive.AddOptions{
			Product: product,
			Release: release,
			Files:   in,
			Replace: replace,
			Contact: "sbom-requests@example.com",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("agent", "v1.3.0", 180, false)
	add("agent", "v1.4.0", 212, false)
	add("agent", "v1.3.0", 180, true)
	add("console", "2026.04.1", 57, false)
	return store
}

// TestPageInChromium loads the /sbom page that serve serves over https,
// with its CSP, in headless Chromium: no console message, no CSP violation,
// no failed load, the style sheet applies, and every link resolves. A
// screenshot goes to testdata/out/sbom-page.png. A page with an inline
// style then shows that a violation is caught, both in the console and as
// a report that reaches serve's report endpoint.
func TestPageInChromium(t *testing.T) {
	chrome := testparts.Chromium(t)
	store := pageStore(t)
	// Over https, as the page is served in production: Chromium sends
	// report-to reports only to secure endpoints.
	cert, key, client := selfSigned(t)
	base, serveLog := startServe(t, store, "--tls-cert", cert, "--tls-key", key)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("short-reporting-delay", true), // deliver CSP reports at once
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	var (
		mu       sync.Mutex
		messages []string
	)
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, m.String()+" ("+m.URL+")")
			mu.Unlock()
		}
	}()
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventLoadingFailed); ok {
			mu.Lock()
			messages = append(messages, "load failed: "+e.ErrorText+" "+string(e.BlockedReason))
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 {
		t.Fatalf("page status %d", resp.Status)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("h1")); err != nil {
		t.Fatal(err)
	}
	// sbom.css sets the body's width: if the CSP blocked it, it would not.
	width, err := chromedp.Run(ctx,
		chromedp.Evaluate[string](`getComputedStyle(document.body).maxWidth`))
	if err != nil || width != "1152px" {
		t.Errorf("body max-width = %q, %v; want 1152px from sbom.css", width, err)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('a[href], link[href]')].map(a => a.href)`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot, _ := filepath.Abs(filepath.Join("testdata", "out", "sbom-page.png"))
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err == nil &&
		os.WriteFile(shot, png, 0o644) == nil {
		t.Logf("screenshot: %s", shot)
	}

	// The same page in dark mode with every release open, for people to
	// look at.
	darkShot := func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		if err != nil {
			return nil, err
		}
		openAll := `document.querySelectorAll('details').forEach(d => d.open = true)`
		if _, err := chromedp.Evaluate[chromedp.Void](openAll)(ctx, tg); err != nil {
			return nil, err
		}
		return chromedp.FullScreenshot(100)(ctx, tg)
	}
	dark, err := chromedp.Run(ctx, chromedp.Action[[]byte](darkShot))
	if err != nil {
		t.Fatal(err)
	}
	if os.WriteFile(filepath.Join(filepath.Dir(shot), "sbom-page-dark.png"), dark, 0o644) == nil {
		t.Logf("screenshot: %s", filepath.Join(filepath.Dir(shot), "sbom-page-dark.png"))
	}

	checkLinks(ctx, t, client, base, links)
	time.Sleep(300 * time.Millisecond) // let late events arrive
	mu.Lock()
	if len(messages) != 0 {
		t.Errorf("the page caused console messages or failed loads:\n%s",
			strings.Join(messages, "\n"))
	}
	messages = nil
	mu.Unlock()
	if strings.Contains(serveLog.String(), "csp violation") {
		t.Errorf("serve logged CSP violations:\n%s", serveLog.String())
	}

	// The same checks catch an inline style: put one on the page.
	page := filepath.Join(store, "index.html")
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	styled := bytes.Replace(data, []byte("<h1>"), []byte(`<h1 style="color: red">`), 1)
	if err := os.WriteFile(page, styled, 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("h1"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	caught := false
	for !caught && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		caught = strings.Contains(strings.Join(messages, "\n"), "Content Security Policy")
		mu.Unlock()
	}
	if !caught {
		t.Errorf("an inline style raised no CSP message; the checks above prove nothing")
	}
	for time.Now().Before(deadline) && !strings.Contains(serveLog.String(), "csp violation") {
		time.Sleep(100 * time.Millisecond)
	}
	if got := serveLog.String(); !strings.Contains(got, `msg="csp violation" via=report-to`) ||
		!strings.Contains(got, "effectiveDirective=style-src-attr") {
		t.Errorf("serve logged no report-to report of the inline style:\n%s", got)
	}
}

// checkLinks checks that every link of the page resolves: pages and files
// answer 200, fragments name an element, mailto links are well formed.
func checkLinks(ctx context.Context, t *testing.T, client *http.Client, base string,
	links []string) {
	t.Helper()
	if len(links) < 10 {
		t.Fatalf("the page has %d links, want its downloads among them: %q", len(links), links)
	}
	checked := map[string]bool{}
	for _, link := range links {
		switch {
		case checked[link]:
		case strings.HasPrefix(link, "mailto:"):
			if !strings.HasPrefix(link, "mailto:sbom-requests@example.com?subject=") {
				t.Errorf("mailto link %q", link)
			}
		case strings.Contains(link, "#"):
			id := link[strings.Index(link, "#")+1:]
			script := `document.getElementById(` + jsString(id) + `) !== null`
			found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
			if err != nil || !found {
				t.Errorf("link %s: no element with id %q (%v)", link, id, err)
			}
		case strings.HasPrefix(link, base+"/"):
			resp, err := client.Get(link)
			if err != nil {
				t.Errorf("link %s: %v", link, err)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("link %s: %s", link, resp.Status)
			}
		default:
			t.Errorf("link %s leaves the archive", link)
		}
		checked[link] = true
	}
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// files.
func selfSigned(t *testing.T) (certFile, keyFile string, client *http.Client) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return certFile, keyFile, client
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// serve refuses a prefix no client could reach (an attack's "/a/../b"
// started, and every request to it went elsewhere).
func TestServeRefusesUncleanPrefix(t *testing.T) {
	for _, prefix := range []string{"/a/../b", "/a/./b", "sbom", "/a b", "/a//b"} {
		// Accepted, serve would run until the context ends.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var errw bytes.Buffer
		err := run(ctx, []string{"sbompipe", "serve", "--store", t.TempDir(),
			"--addr", "127.0.0.1:0", "--prefix", prefix}, nil, io.Discard, &errw)
		cancel()
		code, stderr := exitCode(err, &errw), errw.String()
		if code != 2 || !strings.Contains(stderr, "want a path such as /sbom") {
			t.Errorf("--prefix %q: exit %d, %q; want 2 and the usage error", prefix, code, stderr)
		}
	}
}
