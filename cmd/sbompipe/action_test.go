package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// action is the part of action.yml the tests read.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []struct {
			ID  string            `yaml:"id"`
			Env map[string]string `yaml:"env"`
			Run string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) action {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// Every input of the action is a flag of release, passed through the
// environment of the step that runs it.
func TestActionInputsAreReleaseFlags(t *testing.T) {
	a := readAction(t)
	flags := map[string]bool{}
	for _, f := range releaseCommand().Flags {
		flags[f.Names()[0]] = true
	}
	var env map[string]string
	for _, s := range a.Runs.Steps {
		if s.ID == "release" {
			env = s.Env
		}
	}
	for name := range a.Inputs {
		if name == "sbompipe-version" {
			continue
		}
		if !flags[name] {
			t.Errorf("input %s is not a flag of sbompipe release", name)
		}
		key := "IN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if env[key] != "${{ inputs."+name+" }}" {
			t.Errorf("the release step's %s = %q, want the input %s", key, env[key], name)
		}
	}
}

// The release step turns inputs into arguments without letting any of them
// run as shell code.
func TestActionReleaseStep(t *testing.T) {
	bash := testparts.Command(t, "bash", "apt-get install bash")
	var script string
	for _, s := range readAction(t).Runs.Steps {
		if s.ID == "release" {
			script = s.Run
		}
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "sbompipe")
	echo := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"
	if err := os.WriteFile(fake, []byte(echo), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "-c", script)
	cmd.Env = append(os.Environ(),
		"SBOMPIPE="+fake,
		"IN_VERSION=v1.4.0; touch "+filepath.Join(dir, "pwned"),
		"IN_PYTHON=requirements.txt\n  requirements-dev.txt  \n\n",
		"IN_GO=.",
		"IN_STORE=s3://sboms?region=eu-central-1&endpoint=http://127.0.0.1:7070",
		"IN_OFFLINE=false",
		"IN_GITHUB_RELEASE=true",
		"IN_REPLACE=false",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("release step: %v\n%s", err, out)
	}
	want := []string{"release", "--version", "v1.4.0; touch " + filepath.Join(dir, "pwned"),
		"--python", "requirements.txt", "--python", "requirements-dev.txt", "--go", ".",
		"--store", "s3://sboms?region=eu-central-1&endpoint=http://127.0.0.1:7070",
		"--github-release"}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("arguments (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("an input ran as shell code")
	}
}
