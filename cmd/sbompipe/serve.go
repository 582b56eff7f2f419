package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/archive"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve an archive read-only as the /sbom page, with the headers of a trust page",
		Description: "Serves the store's index.html, index.json, feed.xml, sbom.css and each\n" +
			"release's documents under --prefix, with a strict CSP, nosniff, no-referrer,\n" +
			"COOP and CORP, HSTS over TLS, ETag and Range, and takes CSP violation reports\n" +
			"at <prefix>/csp-report (logged on stderr at warning level).",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080",
				Usage: "listen on `HOST:PORT` (port 0 picks a free one)"},
			&cli.StringFlag{Name: "prefix", Value: "/sbom",
				Usage: "URL `PATH` the archive is served under"},
			&cli.PathFlag{Name: "tls-cert",
				Usage: "serve https with this certificate `FILE` (with --tls-key)"},
			&cli.PathFlag{Name: "tls-key", Usage: "the private key `FILE` of --tls-cert"},
		},
		Action: serve,
	}
}

func serve(c *cli.Context) error {
	prefix := strings.TrimSuffix(c.String("prefix"), "/")
	// A prefix a client would write otherwise ("/a/../b", "/a/./b") could
	// never be reached: it must be a clean path.
	if prefix != "" && (!strings.HasPrefix(prefix, "/") || path.Clean(prefix) != prefix ||
		strings.ContainsAny(prefix, "?#%\\ ") || strings.Contains(prefix, "//")) {
		return usageError(fmt.Errorf("--prefix %q: want a path such as /sbom", c.String("prefix")))
	}
	cert, key := c.Path("tls-cert"), c.Path("tls-key")
	if (cert == "") != (key == "") {
		return usageError(errors.New("--tls-cert and --tls-key go together"))
	}
	s, err := openStore(c, false)
	if err != nil {
		return err
	}
	defer s.Close()

	log := slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
	srv := &http.Server{
		Handler:           archive.Handler(s, archive.HandlerOptions{Prefix: prefix, Log: log}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cert != "" {
		// Load the certificate before saying the server is up.
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return usageError(fmt.Errorf("--tls-cert/--tls-key: %w", err))
		}
		srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{pair},
			MinVersion:   tls.VersionTLS12,
		}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return usageError(err)
	}
	fmt.Fprintf(c.App.ErrWriter, "sbompipe: serving %s at %s://%s%s/\n",
		s, scheme, ln.Addr(), prefix)

	done := make(chan error, 1)
	go func() {
		if cert != "" {
			done <- srv.ServeTLS(ln, "", "")
		} else {
			done <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return usageError(err)
	case <-c.Context.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return usageError(err)
	}
	return nil
}
