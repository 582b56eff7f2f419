package sbom

import (
	"html"
	"iter"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// classifierTokens calls yield with each token licenseclassifier/v2 reads
// in a text it matches, in order, and the line the library places it on:
// the words it compares with the texts of its corpus. It follows the library's tokenizer (tokenizeStream with
// normalization on), rule for rule, so that licenseCandidates can tell
// which corpus texts the library would look at closely without loading
// the library's corpus. TestClassifierTokens holds it to the library's own
// tokens of every text of its corpus.
//
// Its rules, in the library's words where they have names:
//   - A word starts at a letter, digit, '&' or '('; anything else before
//     it is skipped. It runs to the next white space or line end, lower
//     cased, with a few punctuation marks spelled out (punctuationWords).
//   - A word ending in '-' at a line end goes on after the line end (and
//     any spaces); the line it completes ends at the white space after it.
//   - A word is HTML-unescaped and "https" in it becomes "http".
//   - A line matching one of ignorableLines (a copyright notice, a date)
//     gives no tokens.
//   - Each word of a line becomes a token by cleanupToken, or none.
func classifierTokens(text []byte, yield func(token string, line int)) {
	var (
		word []byte
		line []string
		// joined: a line ended inside a word, after a hyphen; the word
		// goes on at the next character that is not white space.
		joined bool
		// lineAfterWord: the line to flush ends after the current word.
		lineAfterWord bool
		// n counts lines as the library does: not those a hyphen joined.
		n = 1
	)
	endWord := func() {
		w := html.UnescapeString(string(word))
		line = append(line, strings.ReplaceAll(w, "https", "http"))
		word = word[:0]
	}
	endLine := func() {
		lineTokens(line, func(tok string) { yield(tok, n) })
		line = line[:0]
	}
	for r := range libraryRunes(text) {
		switch {
		case r == '\n':
			if len(word) > 0 {
				if word[len(word)-1] == '-' {
					word = word[:len(word)-1]
					joined = true
					continue
				}
				endWord()
			}
			if len(line) > 0 {
				endLine()
			}
			n++
		case len(word) == 0:
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' || r == '(' {
				word = utf8.AppendRune(word, unicode.ToLower(r))
			}
		case unicode.IsSpace(r):
			if joined {
				continue
			}
			endWord()
			if lineAfterWord {
				endLine()
				lineAfterWord = false
				n++
			}
		default:
			if joined {
				joined, lineAfterWord = false, true
			}
			if s, ok := punctuationWords[r]; ok {
				for _, p := range s {
					word = utf8.AppendRune(word, unicode.ToLower(p))
				}
				continue
			}
			word = utf8.AppendRune(word, unicode.ToLower(r))
		}
	}
	if len(word) > 0 {
		endWord()
	}
	if len(line) > 0 {
		endLine()
	}
}

// libraryRunes yields the runes of text as the library's tokenizer
// decodes them. It reads a text in a buffer of 1,024 bytes and decodes up
// to 4 bytes short of its end, which it carries over to the next read, so
// a character is never cut at a read. At the end of the text, though, the
// last character is decoded from the buffer as it stands: if the text ends
// part way through a character, the bytes after the text are those left
// in the buffer from the read before (zeros in a text shorter than the
// buffer), and can complete the character ("use\xc2" then reads "uses"
// where the read before left a "\xa7" there). This does the same reads
// in the same buffer.
func libraryRunes(text []byte) iter.Seq[rune] {
	const bufSize = 1024
	return func(yield func(rune) bool) {
		var buf [bufSize]byte
		idx, end := 0, bufSize-4
		for {
			n := copy(buf[idx:], text)
			text = text[n:]
			last := idx+n < bufSize // io.ReadFull's end of the text
			if last {
				end = idx + n
			}
			for idx = 0; idx < end; {
				r, size := utf8.DecodeRune(buf[idx:])
				idx += size
				if !yield(r) {
					return
				}
			}
			if last {
				return
			}
			idx = copy(buf[:], buf[idx:])
		}
	}
}

// punctuationWords are the marks the classifier's tokenizer spells out
// inside a word.
var punctuationWords = map[rune]string{
	'-': "-", '‒': "-", '–': "-", '—': "-", '‐': "-",
	'©': "(c)", '§': "(s)", '¤': "(s)",
	'·': " ", '*': " ",
}

// ignorableLines are the lines the classifier's tokenizer drops (it
// reports them as copyright notices), tried on the line's words joined by
// spaces.
var ignorableLines = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^(.{1,5})?copyright (\(c\) )?(\[yyyy\]|\d{4})[,.]?.*$`),
	regexp.MustCompile(`(?i)^(.{1,5})?copyright \(c\) \[dates of first publication\].*$`),
	regexp.MustCompile(`(?i)^\d{4}-(\d{2}|[a-z]{3})-\d{2}$`),
}

// lineTokens yields the tokens of a line's words.
func lineTokens(words []string, yield func(string)) {
	var b strings.Builder
	for i, w := range words {
		if w == "" {
			continue
		}
		b.WriteString(w)
		if i < len(words)-1 {
			b.WriteByte(' ')
		}
	}
	if ignorableLine(b.String()) {
		return
	}
	for i, w := range words {
		if t := cleanupToken(i, w); t != "" {
			yield(t)
		}
	}
}

// ignorableLine reports whether one of ignorableLines matches line. The
// regular expressions are tried only on a line that could match: one
// with "copyright" (in any case) within its first six characters, or one
// starting with a digit and short enough to be a date.
func ignorableLine(line string) bool {
	// (.{1,5})? is up to five runes of up to utf8.UTFMax bytes.
	maybe := false
	for i := 0; i <= 5*utf8.UTFMax && i+len("copyright") <= len(line); i++ {
		if strings.EqualFold(line[i:i+len("copyright")], "copyright") {
			maybe = true
			break
		}
	}
	if !maybe && line != "" && '0' <= line[0] && line[0] <= '9' && len(line) <= 4+1+3*utf8.UTFMax+1+2 {
		maybe = true
	}
	if !maybe {
		return false
	}
	for _, re := range ignorableLines {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}

// cleanupToken returns the token a word at position pos of its line
// becomes, "" for none: a list marker or section number at the start of a
// line is dropped; a word starting with a digit keeps its digits, dots
// and hyphens (without dots at its end); any other keeps its letters, and
// some British spellings become American ones.
func cleanupToken(pos int, word string) string {
	if pos == 0 && sectionMarker(word) {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(word)
	var b strings.Builder
	if !unicode.IsLetter(r) && unicode.IsDigit(r) {
		for _, c := range word {
			if unicode.IsDigit(c) || c == '.' || c == '-' {
				b.WriteRune(c)
			}
		}
		return strings.TrimRight(b.String(), ".")
	}
	for _, c := range word {
		if unicode.IsLetter(c) {
			b.WriteRune(c)
		}
	}
	t := b.String()
	if s, ok := americanSpellings[t]; ok {
		return s
	}
	return t
}

// sectionMarker reports whether a word at the start of a line marks a
// list item or section ("b.", "iv:", "2)", "1.2.") as the classifier's
// tokenizer sees it. The last byte decides, not the last rune.
func sectionMarker(word string) bool {
	if word == "" {
		return false
	}
	p, e := word[:len(word)-1], word[len(word)-1]
	if e != '.' && e != ':' && e != ')' {
		return false
	}
	if e != ')' && listMarkers[p] {
		return true
	}
	for _, r := range p {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return true
}

// listMarkers are the list item labels sectionMarker knows.
var listMarkers = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields("a b c d e f g h i j k l m n o p q r ii iii iv v vi vii viii ix xi xii xiii xiv xv") {
		m[s] = true
	}
	return m
}()

// americanSpellings are the words the classifier's tokenizer respells.
// (It also lists three two-word phrases, which no token can be.)
var americanSpellings = map[string]string{
	"analyse": "analyze", "artefact": "artifact", "authorisation": "authorization",
	"authorised": "authorized", "calibre": "caliber", "cancelled": "canceled",
	"capitalisations": "capitalizations", "catalogue": "catalog", "categorise": "categorize",
	"centre": "center", "emphasised": "emphasized", "favour": "favor",
	"favourite": "favorite", "fulfil": "fulfill", "fulfilment": "fulfillment",
	"https": "http", "initialise": "initialize", "judgment": "judgement",
	"labelling": "labeling", "labour": "labor", "licence": "license",
	"maximise": "maximize", "modelled": "modeled", "modelling": "modeling",
	"offence": "offense", "optimise": "optimize", "organisation": "organization",
	"organise": "organize", "practise": "practice", "programme": "program",
	"realise": "realize", "recognise": "recognize", "signalling": "signaling",
	"utilisation": "utilization", "whilst": "while", "wilful": "wilfull",
}
