package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// GitHub Actions reads workflow commands from a step's output, and step
// outputs and the job summary from files named by environment variables.
// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions

// maxAnnotations is how many annotations of one level GitHub shows for a
// step; the rest are counted in one notice.
const maxAnnotations = 10

// maxSummary is the size GitHub accepts for one step's summary.
const maxSummary = 1 << 20

// inGitHubActions reports whether sbompipe runs in a GitHub Actions job.
func inGitHubActions() bool {
	return os.Getenv("GITHUB_ACTIONS") == "true"
}

// annotation is one workflow annotation: level "error", "warning" or
// "notice"; File and Line are optional.
type annotation struct {
	Level   string
	File    string
	Line    int
	Title   string
	Message string
}

// writeAnnotations writes the annotations as workflow commands, at most
// maxAnnotations per level, then a notice that counts the ones left out.
func writeAnnotations(w io.Writer, tool string, list []annotation) error {
	var b strings.Builder
	shown := map[string]int{}
	hidden := 0
	for _, a := range list {
		if shown[a.Level] >= maxAnnotations {
			hidden++
			continue
		}
		shown[a.Level]++
		b.WriteString("::" + a.Level + " ")
		if a.File != "" {
			fmt.Fprintf(&b, "file=%s,", escapeProperty(a.File))
			if a.Line > 0 {
				fmt.Fprintf(&b, "line=%d,", a.Line)
			}
		}
		fmt.Fprintf(&b, "title=%s::%s\n", escapeProperty(a.Title), escapeData(a.Message))
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "::notice title=%s::%s\n", escapeProperty(tool),
			escapeData(fmt.Sprintf("%s not shown as annotations (GitHub shows %d of each kind); "+
				"the step log lists them all", plural(hidden, "more finding"), maxAnnotations)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes the message of a workflow command.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value of a workflow command.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").
		Replace(s)
}

// appendStepSummary appends Markdown to the job summary, when the job has
// one ($GITHUB_STEP_SUMMARY).
func appendStepSummary(markdown string) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	if len(markdown) > maxSummary {
		return fmt.Errorf("job summary: %d bytes is over GitHub's 1 MiB limit", len(markdown))
	}
	return appendFile(path, markdown)
}

// setStepOutputs writes name=value step outputs to $GITHUB_OUTPUT, each
// value in a heredoc with a random delimiter so that no value can end it
// early or set another output.
func setStepOutputs(outputs [][2]string) error {
	path := os.Getenv("GITHUB_OUTPUT")
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, kv := range outputs {
		var raw [16]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return err
		}
		delim := "ghadelimiter_" + hex.EncodeToString(raw[:])
		if strings.Contains(kv[0], "=") || strings.Contains(kv[1], delim) {
			return fmt.Errorf("step output %q cannot be written", kv[0])
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", kv[0], delim, kv[1], delim)
	}
	return appendFile(path, b.String())
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, werr := io.WriteString(f, s)
	return errors.Join(werr, f.Close())
}
