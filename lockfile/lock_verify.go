package lockfile

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// readSeed returns the pins of the old lockfile (data are its bytes, nil
// when there is none) that still satisfy requirements.in, which keep the
// pip backend's resolution where it was. A pin that requirements.in now
// excludes ("lib>=2" after lib==1.0 was locked) is left out, as
// pip-compile does, so that editing requirements.in just works. The old
// lockfile is read leniently: whatever it pins seeds the run.
func (l *locker) readSeed(data []byte) ([]Pin, error) {
	if data == nil {
		return nil, nil
	}
	old, err := Parse(l.out, ParseOptions{})
	if err != nil {
		return nil, err
	}
	in, err := Parse(l.opts.In, ParseOptions{})
	if err != nil {
		return nil, err
	}
	wanted := map[string][]string{}
	for _, r := range in.Requirements {
		if r.Kind == Named && r.Specifier != "" {
			wanted[r.Canonical] = append(wanted[r.Canonical], r.Specifier)
		}
	}

	var pins []Pin
	for _, r := range old.Requirements {
		if r.Kind != Named || r.Version == "" || !satisfiesAll(r.Version, wanted[r.Canonical]) {
			continue
		}
		pins = append(pins, Pin{Name: r.Canonical, Version: r.Version})
	}
	return pins, nil
}

// satisfiesAll reports whether version meets every specifier. A specifier
// or version it cannot read counts as not met: the pin is then re-resolved
// rather than forced.
func satisfiesAll(version string, specs []string) bool {
	if len(specs) == 0 {
		return true
	}
	v, err := pep440.Parse(version)
	if err != nil {
		return false
	}
	for _, s := range specs {
		if ok, err := specContains(v, s); err != nil || !ok {
			return false
		}
	}
	return true
}

// verifyStrict checks the new lockfile at tmp with every rule verify has,
// stale and orphan against requirements.in included; an error finding fails
// it, warnings do not. Messages name Out, not the temporary file.
func (l *locker) verifyStrict(ctx context.Context, tmp string) error {
	rename := strings.NewReplacer(tmp, l.opts.Out, filepath.Base(tmp), filepath.Base(l.out))
	f, err := Parse(tmp, ParseOptions{Strict: true})
	if err != nil {
		return errors.New(rename.Replace(err.Error()))
	}
	in, err := Parse(l.opts.In, ParseOptions{})
	if err != nil {
		return err
	}
	rep, err := Verify(ctx, f, VerifyOptions{Checks: []Check{InputCheck(in)}})
	if err != nil {
		return err
	}
	var msgs []string
	for _, fd := range rep.Findings {
		if fd.Severity == SeverityError {
			msgs = append(msgs, rename.Replace(fd.String()))
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "\n"))
	}
	return nil
}
