package lockfile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Finding is one result of Verify: a rule that a line of a requirements
// file breaks.
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Package is the project name the finding is about, as written, or "".
	Package string `json:"package,omitempty"`
	// Message says what is wrong and what to do. Credentials are removed.
	Message string `json:"message"`
	// PipRefuses is true when current pip itself fails on this in
	// hash-checking mode; false for sbompipe's stricter policy, for what
	// pip silently drops, and for warnings.
	PipRefuses bool `json:"-"`
}

// String returns "file:line: rule: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Rule, f.Message)
}

// Report is the result of Verify. Its JSON form is the one DESIGN.md gives
// for `sbompipe verify --format json`.
type Report struct {
	Files        []string  `json:"files"`        // every file read, the top-level one first
	Requirements int       `json:"requirements"` // the requirement entries read
	Findings     []Finding `json:"findings"`
	Errors       int       `json:"errors"`   // findings of SeverityError
	Warnings     int       `json:"warnings"` // the other findings
}

// Check is a rule that needs more than the lockfile: the requirements.in
// it was compiled from (InputCheck), a package index, …. It returns its
// findings, or an error when it could not run (an index that does not
// answer is an error, not a pass).
type Check func(ctx context.Context, f *File) ([]Finding, error)

// VerifyOptions are the extra checks of Verify. The zero value runs the
// rules that need nothing but the parsed files.
type VerifyOptions struct {
	// Checks run after the built-in rules, in order.
	Checks []Check
}

// Verify checks a parsed requirements file against pip's hash-checking
// rules and sbompipe's stricter policy (the rule table of DESIGN.md). Every
// line is checked whatever its marker. The parse problems of f become
// syntax and include-missing findings. The error is a Check's error.
func Verify(ctx context.Context, f *File, opts VerifyOptions) (*Report, error) {
	var fs []Finding
	for _, p := range f.Problems {
		fs = append(fs, p.finding())
	}
	fs = append(fs, checkRequirements(f)...)
	fs = append(fs, checkConstraintHashes(f)...)
	fs = append(fs, checkDuplicates(f)...)
	fs = append(fs, checkUnsafe(f)...)
	fs = append(fs, checkIndexes(f)...)
	for _, c := range opts.Checks {
		more, err := c(ctx, f)
		if err != nil {
			return nil, err
		}
		fs = append(fs, more...)
	}
	return newReport(f, fs), nil
}

// newReport sorts and counts findings, removes credentials from them and
// escapes the control characters of file names and messages.
func newReport(f *File, fs []Finding) *Report {
	order := map[string]int{}
	for i, name := range f.Files {
		order[name] = i
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		oa, ok := order[a.File]
		if !ok {
			oa = len(order)
		}
		ob, ok := order[b.File]
		if !ok {
			ob = len(order)
		}
		return cmp.Or(cmp.Compare(oa, ob), cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line))
	})
	r := &Report{Files: []string{}, Requirements: len(f.Requirements), Findings: []Finding{}}
	for _, name := range f.Files {
		r.Files = append(r.Files, display(Redact(name)))
	}
	for _, x := range fs {
		x.Message = display(Redact(x.Message))
		x.File = display(Redact(x.File))
		r.Findings = append(r.Findings, x)
		if x.Severity == SeverityError {
			r.Errors++
		} else {
			r.Warnings++
		}
	}
	return r
}

// Merge adds the findings and counts of other to r, for a run over several
// files.
func (r *Report) Merge(other *Report) {
	for _, name := range other.Files {
		if !slices.Contains(r.Files, name) {
			r.Files = append(r.Files, name)
		}
	}
	r.Requirements += other.Requirements
	r.Findings = append(r.Findings, other.Findings...)
	r.Errors += other.Errors
	r.Warnings += other.Warnings
}

// finding is the finding that reports parse problem p.
func (p *Problem) finding() Finding {
	return Finding{File: p.File, Line: p.Line, Rule: p.Rule, Severity: p.Severity,
		Message: p.Message, PipRefuses: p.PipRefuses}
}

// finding returns a finding about requirement r. String arguments are
// taken from the file: they are cut to a sensible length.
func finding(r *Requirement, line int, rule string, sev Severity, pip bool, format string,
	args ...any) Finding {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	return Finding{File: r.File, Line: line, Rule: rule, Severity: sev, Package: r.Name,
		Message: fmt.Sprintf(format, args...), PipRefuses: pip}
}
