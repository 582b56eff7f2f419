package sbom

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// goGraphEdge is one line of `go mod graph`: a module and one of its
// requirements, each "path@version", or "path" for a main module.
type goGraphEdge struct {
	from, to string
}

// goModGraphTimeout bounds `go mod graph`: downloading a large graph's
// go.mod files takes a minute or two, and a file it waits on (a named
// pipe found by a path sbompipe does not check) must not hang a release.
const goModGraphTimeout = 10 * time.Minute

// goModGraph runs `go mod graph` in dir with the given environment. It may
// download go.mod files, as the go command does for its users.
func goModGraph(ctx context.Context, goCmd, dir string, env []string) ([]goGraphEdge, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, goModGraphTimeout,
		fmt.Errorf("go mod graph did not finish within %v", goModGraphTimeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "mod", "graph")
	cmd.Dir = dir
	cmd.Env = goCommandEnv(env, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("in %s: %w", dir, cause)
		}
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i] + " …"
		}
		if msg == "" {
			return nil, fmt.Errorf("go mod graph in %s: %w", dir, err)
		}
		return nil, fmt.Errorf("go mod graph in %s: %w: %s", dir, err, msg)
	}
	var edges []goGraphEdge
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			return nil, fmt.Errorf("go mod graph in %s: unexpected line %q", dir, sc.Text())
		}
		edges = append(edges, goGraphEdge{from, to})
	}
	return edges, sc.Err()
}

// splitModule splits "path@version" into path and version; a main module
// has no version.
func splitModule(s string) (path, version string) {
	path, version, _ = strings.Cut(s, "@")
	return path, version
}
