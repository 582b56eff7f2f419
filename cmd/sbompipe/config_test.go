package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// probeApp is an app with one command whose action records its flag values.
func probeApp(got *map[string]string) *cli.App {
	app := &cli.App{
		Name:           "probe",
		ExitErrHandler: func(*cli.Context, error) {},
		Writer:         new(bytes.Buffer),
		ErrWriter:      new(bytes.Buffer),
		Flags:          []cli.Flag{&cli.StringFlag{Name: "config"}},
		Commands: []*cli.Command{{
			Name: "check",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "format", Value: "text"},
				&cli.StringSliceFlag{Name: "python"},
				&cli.BoolFlag{Name: "offline"},
				&cli.DurationFlag{Name: "timeout", Value: time.Minute},
			},
			Action: func(c *cli.Context) error {
				*got = map[string]string{
					"format":  c.String("format"),
					"python":  strings.Join(c.StringSlice("python"), ","),
					"offline": map[bool]string{true: "true", false: "false"}[c.Bool("offline")],
					"timeout": c.Duration("timeout").String(),
				}
				return nil
			},
		}, {
			Name:   "other",
			Flags:  []cli.Flag{&cli.StringFlag{Name: "store"}},
			Action: func(*cli.Context) error { return nil },
		}},
	}
	wireFlagSources(app)
	return app
}

func TestFlagSources(t *testing.T) {
	tests := []struct {
		name   string
		config string
		env    map[string]string
		args   []string
		want   map[string]string
	}{{
		name: "defaults",
		want: map[string]string{
			"format": "text", "python": "", "offline": "false", "timeout": "1m0s",
		},
	}, {
		name:   "config top level",
		config: "format: json\npython: [a.txt, b.txt]\noffline: true\ntimeout: 5s\n",
		want: map[string]string{
			"format": "json", "python": "a.txt,b.txt", "offline": "true", "timeout": "5s",
		},
	}, {
		name:   "section wins over top level",
		config: "format: json\ncheck:\n  format: github\n",
		want: map[string]string{
			"format": "github", "python": "", "offline": "false", "timeout": "1m0s",
		},
	}, {
		name:   "env wins over config",
		config: "format: json\n",
		env:    map[string]string{"SBOMPIPE_FORMAT": "env", "SBOMPIPE_PYTHON": "x.txt,y.txt"},
		want: map[string]string{
			"format": "env", "python": "x.txt,y.txt", "offline": "false", "timeout": "1m0s",
		},
	}, {
		name: "command env wins over env",
		env:  map[string]string{"SBOMPIPE_FORMAT": "env", "SBOMPIPE_CHECK_FORMAT": "check-env"},
		want: map[string]string{
			"format": "check-env", "python": "", "offline": "false", "timeout": "1m0s",
		},
	}, {
		name: "another command's env is not read",
		env:  map[string]string{"SBOMPIPE_OTHER_FORMAT": "other"},
		want: map[string]string{
			"format": "text", "python": "", "offline": "false", "timeout": "1m0s",
		},
	}, {
		name:   "command line wins over env",
		config: "format: json\n",
		env:    map[string]string{"SBOMPIPE_FORMAT": "env"},
		args:   []string{"--format", "flag"},
		want: map[string]string{
			"format": "flag", "python": "", "offline": "false", "timeout": "1m0s",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if tt.config != "" {
				if err := os.WriteFile(defaultConfig, []byte(tt.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var got map[string]string
			args := append([]string{"probe", "check"}, tt.args...)
			if err := probeApp(&got).RunContext(context.Background(), args); err != nil {
				t.Fatalf("run: %v", err)
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"unknown key", "format: json\nbogus: 1\n", ".sbompipe.yaml:2: unknown key \"bogus\""},
		{"flag of another command", "check:\n  store: x\n",
			".sbompipe.yaml:2: check has no flag --store"},
		{"wrong type", "offline: maybe\n", ".sbompipe.yaml:1: offline: strconv.ParseBool"},
		{"not a mapping", "- a\n- b\n", ".sbompipe.yaml:1: the config must be a mapping"},
		{"bad yaml", "format: [\n", ".sbompipe.yaml: yaml:"},
		{"key twice", "format: json\nformat: text\n",
			`.sbompipe.yaml:2: "format" is given again (first at line 1)`},
		{"section twice", "check:\n  format: json\ncheck:\n  format: text\n",
			`.sbompipe.yaml:3: "check" is given again (first at line 1)`},
		{"flag twice in a section", "check:\n  format: json\n  format: text\n",
			`.sbompipe.yaml:3: "format" is given again (first at line 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.WriteFile(defaultConfig, []byte(tt.config), 0o644); err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			err := probeApp(&got).RunContext(context.Background(), []string{"probe", "check"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if code := exitCode(err, new(bytes.Buffer)); code != exitUsage {
				t.Errorf("exit code = %d, want %d", code, exitUsage)
			}
		})
	}
}

func TestExplicitConfigMustExist(t *testing.T) {
	t.Chdir(t.TempDir())
	var got map[string]string
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	args := []string{"probe", "--config", missing, "check"}
	err := probeApp(&got).RunContext(context.Background(), args)
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("error = %v, want one naming nope.yaml", err)
	}
}

func TestVersion(t *testing.T) {
	var out, errw bytes.Buffer
	err := run(context.Background(), []string{"sbompipe", "--version"}, nil, &out, &errw)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sbompipe ", "commit: ", "go: go1."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--version output %q lacks %q", out.String(), want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"sbompipe", "--no-such-flag"},
		{"sbompipe", "no-such-command"},
	} {
		var out, errw bytes.Buffer
		err := run(context.Background(), args, nil, &out, &errw)
		if code := exitCode(err, &errw); code != exitUsage {
			t.Errorf("%v: exit code %d, want %d (stderr %q)", args, code, exitUsage, errw.String())
		}
	}
}
