package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ParseOptions control Parse. The zero value parses leniently from the
// operating system's files with the process environment.
type ParseOptions struct {
	// Strict makes Parse return an ErrorList when the files have problems.
	// Either way the problems are in File.Problems and the File holds
	// every entry that could be read.
	Strict bool

	// Getenv looks up the variables of ${NAME} references. Nil means
	// os.Getenv.
	Getenv func(string) string

	// FS, when set, is where files are read from: paths are slash-separated
	// and relative to its root (fs.ValidPath). Nil means the operating
	// system's files.
	FS fs.FS
}

// ErrorList is the error of a strict Parse: every problem found, in file
// order.
type ErrorList []*Problem

// Error returns one "file:line: message" line per problem.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, p := range l {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// Parse reads the requirements file at path and every file it reaches with
// -r and -c, following pip's rules (see the package documentation). It
// returns an error without a File when path itself cannot be read. In
// strict mode it also returns an ErrorList when File.Problems is not empty;
// the File is returned with it.
func Parse(path string, opts ParseOptions) (*File, error) {
	p := &parser{
		opts:   opts,
		getenv: opts.Getenv,
		f:      &File{Path: path},
	}
	if p.getenv == nil {
		p.getenv = os.Getenv
	}
	id, err := statFile(opts.FS, path)
	var data []byte
	if err == nil {
		data, err = readRegular(opts.FS, path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading requirements: %w", err)
	}
	p.parseFile(path, id, data, false, true)
	if p.unlisted > 0 {
		p.f.Problems = append(p.f.Problems, &Problem{File: p.firstUnlisted.File,
			Line: p.firstUnlisted.Line, Rule: RuleSyntax, Severity: SeverityError,
			Message: fmt.Sprintf("%d more problems from here on are not listed", p.unlisted)})
	}
	if opts.Strict && len(p.f.Problems) > 0 {
		return p.f, ErrorList(p.f.Problems)
	}
	return p.f, nil
}

// parser holds the state of one Parse call.
type parser struct {
	opts   ParseOptions
	getenv func(string) string
	f      *File
	done   []parsedFile // files parsed, with the kind they were read as
	stack  []fileID     // the files being parsed, for cycles

	entries       int  // entry lines read, up to maxEntries
	lines         int  // physical lines of the files read, up to maxLines
	full          bool // past maxEntries or maxLines: nothing more is read
	unlisted      int  // problems past maxProblems
	firstUnlisted Problem
}

// parsedFile is a file parsed as requirements or as constraints.
type parsedFile struct {
	id         fileID
	constraint bool
}

// seen reports whether the file id was parsed as that kind already, and
// returns the file being parsed that it is, if any: a cycle.
func (p *parser) seen(id fileID, constraint bool) (done bool, cycle *fileID) {
	for _, d := range p.done {
		if d.constraint == constraint && d.id.same(id) {
			done = true
		}
	}
	for i := range p.stack {
		if p.stack[i].same(id) {
			cycle = &p.stack[i]
		}
	}
	return done, cycle
}

// resolve returns the path of an included file: relative to the including
// file's folder, as pip joins it.
func (p *parser) resolve(parent, rel string) string {
	if p.opts.FS != nil {
		if strings.HasPrefix(rel, "/") {
			return path.Clean(rel[1:])
		}
		return path.Join(path.Dir(parent), rel)
	}
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(filepath.Dir(parent), rel)
}

func (p *parser) problem(file string, line int, rule string, sev Severity, refuses bool,
	format string, args ...any) {
	if len(p.f.Problems) >= maxProblems {
		if p.unlisted == 0 {
			p.firstUnlisted = Problem{File: file, Line: line}
		}
		p.unlisted++
		return
	}
	p.f.Problems = append(p.f.Problems, &Problem{
		File: file, Line: line, Rule: rule, Severity: sev, PipRefuses: refuses,
		Message: display(fmt.Sprintf(format, args...)),
	})
}

// refused records a syntax problem for which pip refuses the file.
func (p *parser) refused(file string, line int, format string, args ...any) {
	p.problem(file, line, RuleSyntax, SeverityError, true, format, args...)
}

// parseFile parses one file's content; constraint says whether its entries
// are constraints (-c).
func (p *parser) parseFile(name string, id fileID, data []byte, constraint, top bool) {
	p.done = append(p.done, parsedFile{id: id, constraint: constraint})
	if !containsString(p.f.Files, name) {
		p.f.Files = append(p.f.Files, name)
	}
	p.stack = append(p.stack, id)
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()

	text, bad := decode(data)
	if bad != "" {
		p.refused(name, 1, "%s", bad)
	}
	fp := &fileParser{p: p, name: name, constraint: constraint, header: top}
	// Each physical line is held while the file is parsed: 60 MB of line
	// breaks would take a gigabyte.
	n := strings.Count(text, "\n")
	if n == 0 {
		n = strings.Count(text, "\r")
	}
	if p.lines += n; p.lines > maxLines {
		p.full = true
		fp.problem(1, RuleSyntax, SeverityError, false, "more than %d lines in the files "+
			"read: this one is not read (is it a requirements file?)", maxLines)
		p.f.Problems[len(p.f.Problems)-1].Unread = true
		return
	}
	fp.phys = splitLines(text, n)
	// An included file whose first entry is not a requirement or an
	// option (-r ~/.aws/credentials, -r /proc/self/environ) is read no
	// further, and its line is not quoted: each problem would quote a
	// line, secrets included.
	sniff := !top
	entries := len(p.f.Requirements) + len(p.f.Constraints) + len(p.f.Options)
	for l := range joinLines(fp.phys) {
		if p.full {
			break
		}
		problems := len(p.f.Problems)
		fp.line(l)
		if !sniff {
			continue
		}
		if len(p.f.Requirements)+len(p.f.Constraints)+len(p.f.Options) > entries {
			sniff = false
			continue
		}
		if first := p.firstSyntax(name, problems); first != nil {
			p.f.Problems = append(p.f.Problems[:problems], &Problem{File: name,
				Line: first.Line, Rule: RuleSyntax, Severity: SeverityError, PipRefuses: true,
				Message: "not a requirement or an option: an included file that starts " +
					"so is read no further, and its lines are not shown " +
					"(is it a requirements file?)"})
			break
		}
	}
}

// firstSyntax returns the first syntax error of file name among the
// problems from index from on, or nil.
func (p *parser) firstSyntax(name string, from int) *Problem {
	for _, pr := range p.f.Problems[from:] {
		if pr.File == name && pr.Rule == RuleSyntax && pr.Severity == SeverityError {
			return pr
		}
	}
	return nil
}

// fileParser is the state of parsing one file.
type fileParser struct {
	p          *parser
	name       string
	constraint bool
	phys       []string

	header   bool         // still reading the top-level file's leading comments
	last     *Requirement // the entry "# via" lines attach to
	viaOpen  bool         // after a bare "# via", "#   source" lines follow
	inUnsafe bool         // inside pip-compile's unsafe-packages trailer
	lastEnd  int          // last physical line of the previous requirement
	badEnd   int          // last line that ended in a "\" pip does not join
	written  string       // the current line before ${VAR} expansion
	vars     []envVar     // the ${VAR} references the current line expanded
}

// problem records a problem of this file. String and error arguments are
// input: they are shown as the file has them (see unexpand), cut to a
// sensible length; the message's control characters are escaped.
func (fp *fileParser) problem(line int, rule string, sev Severity, refuses bool,
	format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = clip(fp.unexpand(v))
		case error:
			// Errors quote input already cut (see parseReqText).
			args[i] = clipTo(fp.unexpand(v.Error()), 4*maxEcho)
		}
	}
	fp.p.problem(fp.name, line, rule, sev, refuses, format, args...)
}

// refused records a syntax problem for which pip refuses the file.
func (fp *fileParser) refused(line int, format string, args ...any) {
	fp.problem(line, RuleSyntax, SeverityError, true, format, args...)
}

// dropped records a syntax problem for which pip silently drops or
// ignores part of the file.
func (fp *fileParser) dropped(line int, format string, args ...any) {
	fp.problem(line, RuleSyntax, SeverityError, false, format, args...)
}

// unexpand returns text taken from the current line as the file has it:
// the value of every ${VAR} the line expanded is put back as ${VAR}, so
// that no expanded secret is printed, whatever characters it holds. Values
// shorter than 3 bytes are left alone: they hold no secret, and putting
// them back would garble the message around them.
func (fp *fileParser) unexpand(s string) string {
	for _, v := range fp.vars {
		if len(v.value) < 3 {
			continue
		}
		ref := "${" + v.name + "}"
		s = strings.ReplaceAll(s, v.value, ref)
		if q := strconv.Quote(v.value); q[1:len(q)-1] != v.value {
			s = strings.ReplaceAll(s, q[1:len(q)-1], ref) // as %q wrote it
		}
	}
	return s
}

// line handles one logical line.
func (fp *fileParser) line(l logical) {
	content := stripComment(l.text)
	if content == "" {
		if strings.TrimFunc(l.text, isSpace) == "" {
			fp.last, fp.viaOpen = nil, false // a blank line ends annotations
		}
		fp.comments(l)
		return
	}
	fp.header = false
	if fp.p.entries++; fp.p.entries > maxEntries {
		fp.p.full = true
		fp.problem(l.first, RuleSyntax, SeverityError, false, "more than %d requirement and "+
			"option lines: the rest is not read (is this a requirements file?)", maxEntries)
		fp.p.f.Problems[len(fp.p.f.Problems)-1].Unread = true
		return
	}
	fp.hiddenByComment(l)
	if cut, ok := strings.CutSuffix(content, `\`); ok {
		fp.brokenContinuation(l)
		content = strings.TrimRightFunc(cut, isSpace) // what was meant, for lax mode
		if content == "" {
			return
		}
	}
	expanded, vars, unset := expandEnv(content, fp.p.getenv)
	fp.written, fp.vars = content, vars
	for _, v := range unset {
		fp.problem(l.first, RuleSyntax, SeverityWarning, false,
			"${%s} is not set: pip keeps the text ${%s} as written", v, v)
	}
	fp.entry(l, expanded)
	fp.comments(l)
}

// brokenContinuation reports a line that ends in "\" once its comment is
// stripped: something followed the "\" (pip continues a line only when
// "\" is its very last character), so pip reads the "\" as part of the
// line and refuses it ("Invalid requirement").
func (fp *fileParser) brokenContinuation(l logical) {
	n := fp.endLine(l)
	what, fix := "trailing whitespace", "remove it"
	if !strings.HasSuffix(strings.TrimRightFunc(fp.phys[n-1], isSpace), `\`) {
		what, fix = "a comment", "move the comment to a line of its own"
	}
	fp.refused(n, "%s after the \"\\\" at the end of the line: pip does not join the next "+
		"line to it, and refuses the line with the \"\\\" in it as invalid; %s", what, fix)
	fp.badEnd = n
}

var hashOptRE = regexp.MustCompile(`--hash[= ]\S+`)

// hiddenByComment reports a comment in the middle of a continued line: pip
// strips comments after joining, so everything after it is dropped.
func (fp *fileParser) hiddenByComment(l logical) {
	end := fp.endLine(l)
	for n := l.first; n < end; n++ {
		text := fp.phys[n-1]
		if isCommentLine(text) || commentStart(text) < 0 {
			continue
		}
		var dropped []string
		for m := n + 1; m <= end; m++ {
			for _, h := range hashOptRE.FindAllString(fp.phys[m-1], -1) {
				dropped = append(dropped, "--hash="+shortHash(h[len("--hash="):]))
			}
		}
		what := "the text after it"
		if len(dropped) > 0 {
			what = strings.Join(dropped, ", ")
		}
		lines := fmt.Sprintf("line %d", n+1)
		if end > n+1 {
			lines = fmt.Sprintf("lines %d-%d", n+1, end)
		}
		fp.dropped(n, "the comment on line %d hides %s of the continued line from pip: "+
			"it drops %s", n, lines, what)
		return
	}
}

// tabOptionIndex returns where tabOptionRE matches in s, or nil.
func tabOptionIndex(s string) []int {
	if !strings.ContainsAny(s, "\t\v\f") {
		return nil
	}
	return tabOptionRE.FindStringIndex(s)
}

// tabOptionRE finds a TAB (or other whitespace but a space) before an
// option: pip splits only on spaces, so the option stays glued to the
// requirement.
var tabOptionRE = regexp.MustCompile(`[\t\v\f]+-`)

// entry handles a line's content after comments and ${VAR} expansion.
func (fp *fileParser) entry(l logical, content string) {
	args, optText := breakArgsOptions(content)
	if loc := tabOptionIndex(args); loc != nil {
		opt, _, _ := strings.Cut(args[loc[1]-1:], " ")
		fp.refused(fp.lineOf(l, opt), "a TAB before %s: pip splits options only at spaces, "+
			"so it reads %q as part of the requirement and refuses the line", opt, opt)
		spaced := tabOptionRE.ReplaceAllStringFunc(content, func(s string) string {
			return " -"
		})
		args, optText = breakArgsOptions(spaced)
	}
	tokens, err := shlexSplit(optText)
	if err != nil {
		fp.refused(l.first, "could not split the options %q: %v", optText, err)
		tokens = nil
	}
	lo, err := parseOptions(tokens)
	if err != nil {
		fp.refused(l.first, "%v", err)
	}
	for _, h := range lo.hits {
		if h.spec.scope == scopeRemoved {
			fp.refused(fp.lineOf(l, "--"+h.spec.name), "%s", h.spec.removed)
		}
	}
	switch {
	case args != "":
		fp.requirement(l, args, lo)
	case lo.has("editable"):
		fp.editable(l, lo)
	default:
		fp.options(l, lo)
	}
}

// requirement handles a line that starts with a requirement.
func (fp *fileParser) requirement(l logical, args string, lo *lineOpts) {
	for _, h := range lo.hits {
		if h.spec.scope == scopeGlobal {
			fp.dropped(fp.lineOf(l, "-"), "pip ignores --%s on a requirement line", h.spec.name)
		}
	}
	for _, a := range lo.positional {
		fp.dropped(fp.lineOf(l, a), "pip ignores %q after the options of a requirement", a)
	}
	parts, err := parseReqText(args)
	if err != nil {
		fp.refused(l.first, "%v", err)
		if parts.url == "" && parts.name == "" {
			fp.last = nil
			return
		}
	}
	if parts.url != "" && len(fp.vars) > 0 {
		writtenArgs, _ := breakArgsOptions(fp.written)
		if wp, _ := parseReqText(writtenArgs); wp.url != "" {
			parts.writtenURL = wp.url
		}
	}
	fp.add(l, parts, fp.hashes(l, lo))
}

// editable handles an "-e" line.
func (fp *fileParser) editable(l logical, lo *lineOpts) {
	values := lo.values("editable")
	if len(values) > 1 {
		fp.dropped(l.first, "pip reads only the first -e of a line and ignores %q", values[1])
	}
	for _, h := range lo.hits {
		switch {
		case h.spec.name == "hash":
			fp.dropped(fp.lineOf(l, h.value), "--hash on an -e line: pip drops the hash "+
				"%s without a word, and refuses the editable requirement in hash-checking mode",
				shortHash(h.value))
		case h.spec.scope == scopeGlobal && h.spec.name != "editable":
			fp.dropped(fp.lineOf(l, "--"+h.spec.name), "pip ignores --%s on an -e line",
				h.spec.name)
		}
	}
	parts := parseEditable(values[0])
	if written := fp.writtenValues("editable"); len(written) > 0 {
		parts.writtenURL = parseEditable(written[0]).url
	}
	fp.add(l, parts, nil)
}

// writtenValues returns the values of an option as the current line has
// them before ${VAR} expansion, or nil when it expanded none.
func (fp *fileParser) writtenValues(name string) []string {
	if len(fp.vars) == 0 {
		return nil
	}
	_, text := breakArgsOptions(fp.written)
	tokens, err := shlexSplit(text)
	if err != nil {
		return nil
	}
	lo, _ := parseOptions(tokens)
	return lo.values(name)
}

// options handles a line of global options: includes, index URLs …
func (fp *fileParser) options(l logical, lo *lineOpts) {
	p := fp.p
	fp.last, fp.viaOpen = nil, false
	hashes := fp.hashes(l, lo)
	if len(lo.positional) > 0 && len(hashes) > 0 {
		// "--hash=… pkg==1": pip takes pkg==1 for a stray argument.
		req := strings.Join(lo.positional, " ")
		fp.dropped(fp.lineOf(l, lo.positional[0]), "the requirement %q comes after an option: "+
			"pip ignores it and its hashes; put the requirement first", req)
		if parts, err := parseReqText(req); err == nil {
			fp.add(l, parts, hashes)
		}
		return
	}
	for _, a := range lo.positional {
		fp.dropped(fp.lineOf(l, a), "pip ignores %q after an option", a)
	}
	for _, h := range hashes {
		msg := "--hash=%s has no requirement on its line: pip ignores it"
		switch {
		case fp.badEnd == l.first-1 && fp.badEnd > 0:
			msg += fmt.Sprintf(" (the \"\\\" at the end of line %d does not continue it)",
				fp.badEnd)
		case fp.lastEnd == l.first-1 && fp.lastEnd > 0:
			msg += fmt.Sprintf(" (is a \"\\\" missing at the end of line %d?)", fp.lastEnd)
		}
		fp.dropped(h.Line, msg, shortHash(h.String()))
	}
	seen := map[string]int{}
	for _, h := range lo.hits {
		if h.spec.scope != scopeGlobal {
			continue
		}
		opt := &Option{
			File:    fp.name,
			Line:    l.first,
			Name:    h.spec.name,
			Value:   h.value,
			Written: h.value,
		}
		if len(fp.vars) > 0 {
			opt.Written = fp.unexpand(h.value)
			if written := fp.writtenValues(h.spec.name); seen[h.spec.name] < len(written) {
				opt.Written = written[seen[h.spec.name]]
			}
		}
		seen[h.spec.name]++
		p.f.Options = append(p.f.Options, opt)
	}
	fp.includes(l, lo)
}

// includes follows the -r or -c of an option line. Like pip, it follows
// only the first one: -r wins over -c.
func (fp *fileParser) includes(l logical, lo *lineOpts) {
	p := fp.p
	reqs, cons := lo.values("requirement"), lo.values("constraint")
	var target string
	nested := false
	switch {
	case len(reqs) > 0:
		target = reqs[0]
	case len(cons) > 0:
		target, nested = cons[0], true
	default:
		return
	}
	if len(reqs)+len(cons) > 1 {
		fp.dropped(l.first, "pip follows only the first -r or -c of a line")
	}
	if others := len(lo.hits) - len(reqs) - len(cons); others > 0 {
		fp.dropped(l.first, "pip ignores the other options of a line with -r or -c")
	}
	switch sch := scheme(target); {
	case sch == "http" || sch == "https":
		// TODO(#2): fetch remote requirements files; Parse has no
		// context or HTTP client yet, so they are reported instead.
		fp.problem(l.first, RuleIncludeMissing, SeverityError, false,
			"%s: sbompipe does not fetch remote requirements files, "+
				"so its entries are not checked", Redact(target))
		return
	case sch == "file":
		target = strings.TrimPrefix(strings.TrimPrefix(target, target[:5]), "//")
	}
	name := p.resolve(fp.name, target)
	flag := "-r"
	if nested {
		flag = "-c"
	}
	// Files are told apart by identity, not path: through symbolic links
	// x -> . and y -> ., x/a.txt, y/x/a.txt … are all a.txt.
	id, err := statFile(p.opts.FS, name)
	if err == nil {
		done, cycle := p.seen(id, nested)
		switch {
		case cycle != nil && cycle.name == name:
			fp.refused(l.first, "%s %s: a cycle: %s is being read already; pip refuses it",
				flag, target, name)
			return
		case cycle != nil:
			fp.refused(l.first, "%s %s: a cycle: %s is %s, which is being read already; "+
				"pip refuses it", flag, target, name, cycle.name)
			return
		case done:
			return // already read the same way through another parent
		case len(p.stack) >= maxIncludeDepth:
			fp.problem(l.first, RuleIncludeMissing, SeverityError, false,
				"%s %s: -r and -c nest more than %d files deep here; not read", flag, target,
				maxIncludeDepth)
			return
		case len(p.done) >= maxFiles:
			fp.problem(l.first, RuleIncludeMissing, SeverityError, false,
				"%s %s: more than %d files are reached through -r and -c; not read", flag, target,
				maxFiles)
			return
		}
	}
	var data []byte
	if err == nil {
		data, err = readRegular(p.opts.FS, name)
	}
	var notRegular *notRegularError
	var tooLarge *tooLargeError
	switch {
	case errors.As(err, &notRegular), errors.As(err, &tooLarge):
		fp.problem(l.first, RuleIncludeMissing, SeverityError, false, "%s %s: %v; not read",
			flag, target, err)
	case errors.Is(err, fs.ErrNotExist):
		fp.problem(l.first, RuleIncludeMissing, SeverityError, true, "%s %s: %s does not exist",
			flag, target, name)
	case err != nil:
		fp.problem(l.first, RuleIncludeMissing, SeverityError, true, "%s %s: %s cannot be read",
			flag, target, name)
	default:
		p.parseFile(name, id, data, nested, false)
	}
}

// hashes returns the --hash values of a line. A value without a colon is
// a problem (pip refuses the file); unknown algorithms are kept for the
// bad-hash rule.
func (fp *fileParser) hashes(l logical, lo *lineOpts) []Hash {
	values := lo.values("hash")
	if len(values) == 0 {
		return nil
	}
	hs := make([]Hash, 0, len(values))
	lines := fp.valueLines(l, values)
	for i, v := range values {
		algo, digest, ok := strings.Cut(v, ":")
		line := lines[i]
		if !ok {
			fp.refused(line, "--hash=%s: want an algorithm and a digest, like "+
				"--hash=sha256:abcd…", shortHash(v))
			continue
		}
		hs = append(hs, Hash{Algorithm: algo, Digest: digest, Line: line})
	}
	return hs
}

// add appends an entry to the file's requirements or constraints.
func (fp *fileParser) add(l logical, parts reqParts, hashes []Hash) {
	r := &Requirement{
		File:       fp.name,
		Line:       l.first,
		EndLine:    fp.endLine(l),
		Name:       parts.name,
		Canonical:  Canonical(parts.name),
		Extras:     parts.extras,
		Specifier:  parts.specifier,
		Version:    pinnedVersion(parts.specifier),
		Marker:     parts.marker,
		Kind:       parts.kind,
		URL:        parts.url,
		Hashes:     hashes,
		Constraint: fp.constraint,
	}
	if parts.name == "" {
		r.Canonical = ""
	}
	if r.URL != "" {
		r.WrittenURL = parts.writtenURL
		if r.WrittenURL == "" {
			r.WrittenURL = fp.unexpand(r.URL)
		}
		r.FragmentHash = fragmentHash(r.URL)
		if r.FragmentHash != nil {
			r.FragmentHash.Line = l.first
		}
	}
	if fp.constraint {
		fp.checkConstraint(r)
		fp.p.f.Constraints = append(fp.p.f.Constraints, r)
	} else {
		fp.p.f.Requirements = append(fp.p.f.Requirements, r)
	}
	fp.last, fp.viaOpen, fp.inUnsafe = r, false, false
	fp.lastEnd = r.EndLine
}

// checkConstraint applies pip's limits on constraint entries (rule B12).
func (fp *fileParser) checkConstraint(r *Requirement) {
	var why string
	switch {
	case r.Kind == Editable:
		why = "editable requirements are not allowed as constraints"
	case r.Name == "":
		why = "unnamed requirements are not allowed as constraints"
	case len(r.Extras) > 0:
		why = "constraints cannot have extras"
	default:
		return
	}
	fp.refused(r.Line, "%s: pip refuses the constraints file", why)
}

// endLine is the last physical line of l that is not a comment.
func (fp *fileParser) endLine(l logical) int {
	for n := l.last; n > l.first; n-- {
		if !isCommentLine(fp.phys[n-1]) {
			return n
		}
	}
	return l.first
}

// valueLines returns the physical line of l that holds each of values, in
// the order they were written (an entry's --hash values): each is looked
// for after the one before it, so that finding thousands of them reads
// each line once, and a value written twice is at the line of each. One
// not found that way (a value glued from two lines) is left to lineOf.
func (fp *fileParser) valueLines(l logical, values []string) []int {
	lines := make([]int, len(values))
	n, off := l.first, 0
	for i, v := range values {
		lines[i] = 0
		for m, o := n, off; v != "" && m <= l.last; m, o = m+1, 0 {
			if at := tokenIndex(fp.phys[m-1][o:], v); at >= 0 {
				lines[i], n, off = m, m, o+at+len(v)
				break
			}
		}
		if lines[i] == 0 {
			lines[i] = fp.lineOf(l, v)
		}
	}
	return lines
}

// lineOf returns the physical line of l that holds text, or l's first line.
func (fp *fileParser) lineOf(l logical, text string) int {
	if text == "" || l.first == l.last {
		return l.first
	}
	for n := l.first; n <= l.last; n++ {
		if containsToken(fp.phys[n-1], text) {
			return n
		}
	}
	// A value glued from two lines: look for its start.
	if len(text) > 20 {
		for n := l.first; n <= l.last; n++ {
			if strings.Contains(fp.phys[n-1], text[:20]) {
				return n
			}
		}
	}
	return l.first
}

// containsToken reports whether text occurs in s and is not followed by a
// letter or digit (so that a digest does not match a longer one).
func containsToken(s, text string) bool {
	return tokenIndex(s, text) >= 0
}

// tokenIndex returns where text first occurs in s not followed by a
// letter or digit, or -1.
func tokenIndex(s, text string) int {
	base := 0
	for {
		i := strings.Index(s[base:], text)
		if i < 0 {
			return -1
		}
		end := base + i + len(text)
		if end == len(s) || !isAlnum(s[end]) {
			return base + i
		}
		base = end
	}
}

func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// shortHash shortens a hash value for messages.
func shortHash(v string) string {
	algo, digest, ok := strings.Cut(v, ":")
	if ok && len(digest) > 12 {
		return algo + ":" + digest[:12] + "…"
	}
	return v
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
