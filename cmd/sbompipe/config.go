package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
	"gopkg.in/yaml.v3"
)

// defaultConfig is read when it exists and --config is not given.
const defaultConfig = ".sbompipe.yaml"

// envName returns the environment variable that sets a flag: SBOMPIPE_,
// the command's name if given, and the flag name, in upper case with dashes
// as underscores.
func envName(command, flag string) string {
	name := "SBOMPIPE_"
	if command != "" {
		name += command + "_"
	}
	return strings.ToUpper(strings.ReplaceAll(name+flag, "-", "_"))
}

// wireFlagSources gives every command flag two environment variables,
// SBOMPIPE_<COMMAND>_<FLAG> and then SBOMPIPE_<FLAG> (some flags, such as
// --out and --format, mean different things to different commands), and a
// value from the config file. Precedence: command line, environment, config
// file, default.
func wireFlagSources(app *cli.App) {
	for _, cmd := range app.Commands {
		wireCommand(app, cmd, cmd.Name, "sbompipe "+cmd.Name)
	}
}

func wireCommand(app *cli.App, cmd *cli.Command, section, path string) {
	for i, f := range cmd.Flags {
		cmd.Flags[i] = withSources(f, section)
	}
	for _, sub := range cmd.Subcommands {
		wireCommand(app, sub, section, path+" "+sub.Name)
	}
	// A usage error is one line on stderr, not the help on stdout, which
	// may be a report someone redirected to a file.
	cmd.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return usageError(fmt.Errorf("%w (see %s --help)", err, path))
	}
	if cmd.Action == nil {
		return
	}
	before := cmd.Before
	cmd.Before = func(c *cli.Context) error {
		if err := applyConfig(c, app, cmd, section); err != nil {
			return usageError(err)
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
}

// withSources adds the environment variable to f and wraps it so that the
// config file can set it.
func withSources(f cli.Flag, section string) cli.Flag {
	name := f.Names()[0]
	env := []string{envName(section, name), envName("", name)}
	switch f := f.(type) {
	case *cli.StringFlag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewStringFlag(f)
	case *cli.StringSliceFlag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewStringSliceFlag(f)
	case *cli.BoolFlag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewBoolFlag(f)
	case *cli.IntFlag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewIntFlag(f)
	case *cli.Int64Flag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewInt64Flag(f)
	case *cli.DurationFlag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewDurationFlag(f)
	case *cli.PathFlag:
		f.EnvVars = append(f.EnvVars, env...)
		return altsrc.NewPathFlag(f)
	}
	panic(fmt.Sprintf("flag --%s: type %T has no config source", name, f))
}

// maxConfigSize bounds a config file.
const maxConfigSize = 1 << 20

// applyConfig reads the config file, if any, and sets the flags of cmd that
// neither the command line nor the environment set. Top-level keys apply to
// every command that has the flag; keys under a section named after the
// command (verify:, sbom:, archive: …) apply to that command and win.
func applyConfig(c *cli.Context, app *cli.App, cmd *cli.Command, section string) error {
	path, explicit := c.String("config"), true
	if path == "" {
		path, explicit = defaultConfig, false
	}
	data, err := readInput(c.Context, path, maxConfigSize)
	if err == nil && len(data) > maxConfigSize {
		err = fmt.Errorf("%s: larger than %d KiB", path, maxConfigSize>>10)
	}
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	cfg, err := parseConfig(path, data, app)
	if err != nil {
		return err
	}
	values, err := cfg.valuesFor(cmd, section)
	if err != nil {
		return err
	}
	src := altsrc.NewMapInputSource(path, values)
	return altsrc.ApplyInputSourceValues(c, src, cmd.Flags)
}

// config is a parsed .sbompipe.yaml: top-level keys and one map per section.
type config struct {
	path     string
	top      map[string]*yaml.Node
	sections map[string]map[string]*yaml.Node
}

func parseConfig(path string, data []byte, app *cli.App) (*config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg := &config{
		path:     path,
		top:      map[string]*yaml.Node{},
		sections: map[string]map[string]*yaml.Node{},
	}
	if len(doc.Content) == 0 {
		return cfg, nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the config must be a mapping of flag names to values",
			path, root.Line)
	}
	sections := map[string]*cli.Command{}
	for _, cmd := range app.Commands {
		sections[cmd.Name] = cmd
	}
	var errs []error
	// A key given twice would have its first value dropped without a word
	// (decoding into nodes, YAML does not refuse it).
	again := func(seen map[string]int, k *yaml.Node) bool {
		if first, ok := seen[k.Value]; ok {
			errs = append(errs, fmt.Errorf("%s:%d: %q is given again (first at line %d)",
				path, k.Line, k.Value, first))
			return true
		}
		seen[k.Value] = k.Line
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if again(seen, key) {
			continue
		}
		if cmd, ok := sections[key.Value]; ok && val.Kind == yaml.MappingNode {
			m := map[string]*yaml.Node{}
			seenFlag := map[string]int{}
			for j := 0; j+1 < len(val.Content); j += 2 {
				k := val.Content[j]
				if again(seenFlag, k) {
					continue
				}
				if !hasFlag(cmd, k.Value) {
					errs = append(errs, fmt.Errorf("%s:%d: %s has no flag --%s",
						path, k.Line, cmd.Name, k.Value))
					continue
				}
				m[k.Value] = val.Content[j+1]
			}
			cfg.sections[key.Value] = m
			continue
		}
		if !anyHasFlag(app.Commands, key.Value) {
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q: no command has a flag --%s",
				path, key.Line, key.Value, key.Value))
			continue
		}
		cfg.top[key.Value] = val
	}
	return cfg, errors.Join(errs...)
}

func hasFlag(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return anyHasFlag(cmd.Subcommands, name)
}

func anyHasFlag(cmds []*cli.Command, name string) bool {
	for _, cmd := range cmds {
		if hasFlag(cmd, name) {
			return true
		}
	}
	return false
}

// valuesFor converts the keys that apply to cmd into the typed values
// altsrc expects, reporting type errors with the file and line.
func (cfg *config) valuesFor(cmd *cli.Command, section string) (map[any]any, error) {
	values := map[any]any{}
	var errs []error
	for _, f := range cmd.Flags {
		name := f.Names()[0]
		node, ok := cfg.sections[section][name]
		if !ok {
			node, ok = cfg.top[name]
		}
		if !ok {
			continue
		}
		v, err := nodeValue(f, node)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", cfg.path, node.Line, name, err))
			continue
		}
		values[name] = v
	}
	return values, errors.Join(errs...)
}

func nodeValue(f cli.Flag, node *yaml.Node) (any, error) {
	scalar := func() (string, error) {
		if node.Kind != yaml.ScalarNode {
			return "", errors.New("want a single value")
		}
		return node.Value, nil
	}
	switch f.(type) {
	case *altsrc.StringSliceFlag:
		if node.Kind == yaml.ScalarNode {
			return []any{node.Value}, nil
		}
		if node.Kind != yaml.SequenceNode {
			return nil, errors.New("want a list")
		}
		var list []any
		for _, n := range node.Content {
			if n.Kind != yaml.ScalarNode {
				return nil, errors.New("want a list of values")
			}
			list = append(list, n.Value)
		}
		return list, nil
	case *altsrc.BoolFlag:
		s, err := scalar()
		if err != nil {
			return nil, err
		}
		return strconv.ParseBool(s)
	case *altsrc.IntFlag:
		s, err := scalar()
		if err != nil {
			return nil, err
		}
		return strconv.Atoi(s)
	case *altsrc.Int64Flag:
		s, err := scalar()
		if err != nil {
			return nil, err
		}
		return strconv.ParseInt(s, 10, 64)
	}
	return scalar() // strings, paths and durations
}
