package sbom

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	classifier "github.com/google/licenseclassifier/v2"
	"github.com/google/licenseclassifier/v2/assets"
)

// classifierThreshold is the threshold assets.DefaultClassifier gives
// the classifier: the token similarity a corpus text needs before the
// classifier looks for it in a text, and the lowest confidence it
// reports.
const classifierThreshold = 0.8

// Loading the classifier with its whole corpus (assets.DefaultClassifier:
// 431 texts) takes 0.4–0.7 s and 100 MB, and its Match compares a text's
// token counts with every corpus text's before it looks closely at the
// ones that pass (about 5 ms a text in all, one text at a time). A
// classifier with fewer corpus texts finds the same matches in a text as
// the whole one, provided it holds every text that passes that first
// comparison for the text, and knows the same words:
//
//   - Match keeps a corpus text for a closer look when the share of its
//     distinct tokens that the text holds at least as often is at least
//     the threshold; each text kept is searched for and scored on its own,
//     and only the matches found are weighed against each other.
//   - Words are kept in a dictionary of the corpus's words; a word of the
//     text that the dictionary lacks is the same unknown word to every
//     corpus text, but it is spelled "UNKNOWN" where the library hashes
//     runs of words and where it reads the words it dropped to score a
//     match. A dictionary with every word of the corpus makes both the
//     same as the whole classifier's.
//
// So classifyTexts reads the corpus texts itself (licenseCorpus, with
// classifierTokens), finds each text's candidates by the library's own
// first comparison, and loads classifiers with just those corpus texts
// and every word of the corpus (matcher). TestLicenseMatcherAgrees holds its
// results to the whole classifier's on every license text in this
// machine's module cache.

// licenseCorpus is the classifier's corpus as licenseCandidates compares
// texts with it.
type licenseCorpus struct {
	ids   map[string]int32 // token → index in words
	words []string
	texts []corpusText
}

// corpusText is one text of the corpus: its path in the assets package
// (category/name/variant), its distinct tokens with how often each
// appears, and how many tokens it has.
type corpusText struct {
	path   string
	tokens []int32
	counts []int32
	size   int
}

// loadLicenseCorpus reads the classifier's corpus once; tests replace it.
var loadLicenseCorpus = sync.OnceValues(readLicenseCorpus)

// readLicenseCorpus reads and counts the tokens of every text the
// classifier's corpus has.
func readLicenseCorpus() (*licenseCorpus, error) {
	// Each text's distinct tokens, in the order they first appear, and
	// their counts: read several at a time, then numbered in order.
	type textTokens struct {
		order  []string
		counts map[string]int32
	}
	read := make([]textTokens, len(licenseAssets))
	errs := make([]error, len(licenseAssets))
	parallel(len(licenseAssets), func(i int) {
		data, err := assets.ReadLicenseFile(licenseAssets[i])
		if err != nil {
			errs[i] = fmt.Errorf("reading the license classifier's %s: %w", licenseAssets[i], err)
			return
		}
		tt := textTokens{counts: map[string]int32{}}
		classifierTokens(data, func(tok string, _ int) {
			if tt.counts[tok] == 0 {
				tt.order = append(tt.order, tok)
			}
			tt.counts[tok]++
		})
		read[i] = tt
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	lc := &licenseCorpus{ids: map[string]int32{}}
	for i, tt := range read {
		ct := corpusText{path: licenseAssets[i], tokens: make([]int32, 0, len(tt.order))}
		for _, tok := range tt.order {
			id, ok := lc.ids[tok]
			if !ok {
				id = int32(len(lc.words))
				lc.ids[tok] = id
				lc.words = append(lc.words, tok)
			}
			ct.tokens = append(ct.tokens, id)
		}
		slices.Sort(ct.tokens)
		ct.counts = make([]int32, len(ct.tokens))
		for j, id := range ct.tokens {
			ct.counts[j] = tt.counts[lc.words[id]]
			ct.size += int(ct.counts[j])
		}
		lc.texts = append(lc.texts, ct)
	}
	return lc, nil
}

// candidates returns the indexes of the corpus texts the classifier would
// look at closely in text: those whose distinct tokens text holds, at
// least as often, in a share of at least the threshold (the library's
// tokenSimilarity). It also returns a digest of what the classifier's
// findings depend on: the text's tokens and their lines, counted from
// the first token's. counts is scratch space of len(lc.words), all zero,
// and left so.
func (lc *licenseCorpus) candidates(text []byte, counts []int32) (out []int, key [sha256.Size]byte) {
	var (
		seen  []int32
		first = -1
		h     = sha256.New()
		buf   []byte
	)
	classifierTokens(text, func(tok string, line int) {
		if first < 0 {
			first = line
		}
		buf = binary.AppendUvarint(buf[:0], uint64(line-first))
		buf = append(append(buf, tok...), 0)
		h.Write(buf)
		if id, ok := lc.ids[tok]; ok {
			if counts[id] == 0 {
				seen = append(seen, id)
			}
			counts[id]++
		}
	})
	h.Sum(key[:0])
	if len(seen) > 0 {
		for i, ct := range lc.texts {
			hits := 0
			for j, id := range ct.tokens {
				if counts[id] >= ct.counts[j] {
					hits++
				}
			}
			// The library's own arithmetic, to the bit.
			if float64(hits)/float64(len(ct.tokens)) >= classifierThreshold {
				out = append(out, i)
			}
		}
	}
	for _, id := range seen {
		counts[id] = 0
	}
	return out, key
}

// maxMatchers is the most classifiers classifyTexts uses at once. Each
// holds some of the corpus (tens of MB).
const maxMatchers = 4

// matcher is a classifier holding some of the corpus's texts and every
// word of the corpus.
type matcher struct {
	lc  *licenseCorpus
	c   *classifier.Classifier
	has map[int]bool // the corpus texts it holds
}

// newMatcher returns a classifier holding none of the corpus's texts yet,
// but every word of the corpus.
func (lc *licenseCorpus) newMatcher() *matcher {
	c := classifier.NewClassifier(classifierThreshold)
	// Normalize puts the words of its input into the dictionary. The
	// corpus's words, on one line, are read back unchanged: each is
	// already a token (letters, or a number), none ends a line or starts
	// a copyright notice. Only "https" would become "http" (a token has
	// it where a URL's punctuation was dropped, "httpsupport"); written
	// "http-s", it is read back whole. TestLicenseMatcherWords checks
	// that the dictionary then holds the whole classifier's words.
	var line strings.Builder
	for _, w := range lc.words {
		line.WriteString(strings.ReplaceAll(w, "https", "http-s"))
		line.WriteByte(' ')
	}
	c.Normalize([]byte(line.String()))
	return &matcher{lc: lc, c: c, has: map[int]bool{}}
}

// include adds the corpus texts of indexes that m lacks.
func (m *matcher) include(indexes []int) error {
	for _, i := range indexes {
		if m.has[i] {
			continue
		}
		path := m.lc.texts[i].path
		data, err := assets.ReadLicenseFile(path)
		if err != nil {
			return fmt.Errorf("reading the license classifier's %s: %w", path, err)
		}
		category, rest, _ := strings.Cut(path, "/")
		name, variant, _ := strings.Cut(rest, "/")
		m.c.AddContent(category, name, variant, data)
		m.has[i] = true
	}
	return nil
}

// share splits the texts todo between n classifiers so that they finish
// at about the same time, from estimates: loading a corpus text costs
// about a microsecond per token, and a text costs about three per token
// of its candidates, which the library scores closely. The costliest
// texts are placed first, each with the classifier that would finish it
// soonest, counting the corpus texts that classifier would have to load.
func (lc *licenseCorpus) share(todo []int, cands [][]int, n int) [][]int {
	const loadCost, matchCost = 1, 3
	cost := make([]int, len(cands))
	for _, i := range todo {
		for _, k := range cands[i] {
			cost[i] += matchCost * lc.texts[k].size
		}
	}
	order := slices.Clone(todo)
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(cost[j], cost[i]) })
	shares := make([][]int, n)
	busy := make([]int, n)
	held := make([]map[int]bool, n)
	for w := range held {
		held[w] = map[int]bool{}
	}
	for _, i := range order {
		best, bestEnd := 0, 0
		for w := range n {
			end := busy[w] + cost[i]
			for _, k := range cands[i] {
				if !held[w][k] {
					end += loadCost * lc.texts[k].size
				}
			}
			if w == 0 || end < bestEnd {
				best, bestEnd = w, end
			}
		}
		shares[best] = append(shares[best], i)
		busy[best] = bestEnd
		for _, k := range cands[i] {
			held[best][k] = true
		}
	}
	return shares
}

// classifyTexts returns the licenses found in each text (classify),
// keyed by its SHA-256, as the classifier loaded with its whole corpus
// would find them, by way of licenseCorpus:
//   - Texts with the same tokens on the same lines (relative to the
//     first), such as license files that differ only in their copyright
//     lines, which the classifier drops, are matched once.
//   - The texts are matched by a few classifiers at once, each holding
//     the corpus texts its share needs (a classifier's Match is not safe
//     for concurrent use).
func classifyTexts(ctx context.Context, lc *licenseCorpus,
	contents map[[sha256.Size]byte][]byte) (map[[sha256.Size]byte][]string, error) {
	sums := slices.SortedFunc(maps.Keys(contents), func(a, b [sha256.Size]byte) int {
		return bytes.Compare(a[:], b[:])
	})
	cands := make([][]int, len(sums))
	keys := make([][sha256.Size]byte, len(sums))
	parallel(len(sums), func(i int) {
		cands[i], keys[i] = lc.candidates(contents[sums[i]], make([]int32, len(lc.words)))
	})
	// One text of each key is matched, unless no corpus text comes near
	// it (then the classifier finds nothing).
	first := map[[sha256.Size]byte]int{}
	var todo []int
	for i := range sums {
		if _, ok := first[keys[i]]; !ok && len(cands[i]) > 0 {
			first[keys[i]] = i
			todo = append(todo, i)
		}
	}
	shares := lc.share(todo, cands, min(runtime.GOMAXPROCS(0), maxMatchers, len(todo)))
	found := make([][]string, len(sums))
	errs := make([]error, len(shares))
	var wg sync.WaitGroup
	for w, share := range shares {
		if len(share) == 0 {
			continue // the others hold what its texts would have needed
		}
		wg.Go(func() {
			m := lc.newMatcher()
			for _, i := range share {
				if ctx.Err() != nil {
					return
				}
				if err := m.include(cands[i]); err != nil {
					errs[w] = err
					return
				}
				found[i] = classify(m.c, contents[sums[i]])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	ids := make(map[[sha256.Size]byte][]string, len(sums))
	for i, sum := range sums {
		if j, ok := first[keys[i]]; ok {
			ids[sum] = slices.Clone(found[j])
		} else {
			ids[sum] = nil
		}
	}
	return ids, nil
}
