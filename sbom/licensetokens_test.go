package sbom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	classifier "github.com/google/licenseclassifier/v2"
	"github.com/google/licenseclassifier/v2/assets"
)

// libraryCorpus reads, through reflection, the texts a loaded classifier
// holds and their tokens as the library made them, each with its line
// ("3 permission").
func libraryCorpus(t testing.TB, c *classifier.Classifier) map[string][]string {
	t.Helper()
	v := reflect.ValueOf(c).Elem()
	words := v.FieldByName("dict").Elem().FieldByName("words")
	docs := v.FieldByName("docs")
	out := map[string][]string{}
	for it := docs.MapRange(); it.Next(); {
		toks := it.Value().Elem().FieldByName("Tokens")
		list := make([]string, toks.Len())
		for i := range list {
			tok := toks.Index(i)
			list[i] = fmt.Sprintf("%d %s", tok.FieldByName("Line").Int(),
				words.MapIndex(tok.FieldByName("ID")).String())
		}
		out[it.Key().String()] = list
	}
	return out
}

func TestClassifierTokens(t *testing.T) {
	c, err := assets.DefaultClassifier()
	if err != nil {
		t.Fatal(err)
	}
	corpus := libraryCorpus(t, c)
	if len(corpus) < 400 {
		t.Fatalf("the classifier holds %d texts; want its corpus of 400 and more", len(corpus))
	}
	bad := 0
	for name, want := range corpus {
		data, err := assets.ReadLicenseFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		classifierTokens(data, func(tok string, line int) {
			got = append(got, fmt.Sprintf("%d %s", line, tok))
		})
		if !slices.Equal(got, want) {
			bad++
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s: tokens differ at %d of %d/%d: got %q, want %q", name, i, len(got), len(want),
				got[i:min(i+5, len(got))], want[i:min(i+5, len(want))])
			if bad > 10 {
				t.FailNow()
			}
		}
	}
}

// moduleLicenseTexts returns the distinct license texts of the modules in
// this machine's module cache, keyed by SHA-256.
func moduleLicenseTexts(t testing.TB) map[[sha256.Size]byte][]byte {
	t.Helper()
	texts := map[[sha256.Size]byte][]byte{}
	e, err := readGoEnv(context.Background(), "go", ".", nil, false)
	if err != nil || e.ModCache == "" {
		return texts
	}
	filepath.WalkDir(e.ModCache, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path == filepath.Join(e.ModCache, "cache") {
			return filepath.SkipDir
		}
		if !strings.Contains(d.Name(), "@") {
			return nil
		}
		list, _ := licenseTexts(path)
		for _, lt := range list {
			texts[lt.sum] = lt.data
		}
		return filepath.SkipDir
	})
	return texts
}

func TestLicenseMatcherAgrees(t *testing.T) {
	full, err := assets.DefaultClassifier()
	if err != nil {
		t.Fatal(err)
	}
	texts := moduleLicenseTexts(t)
	modules := len(texts)
	// The corpus's texts, and texts made from them: the first 60% of
	// each (lines cut, so a license is partly there), every seventh
	// changed in ways the tokenizer has rules for, and every third with
	// the next one after it (two licenses in one file) and with a
	// copyright line before it.
	var corpus [][]byte
	for _, path := range licenseAssets {
		data, err := assets.ReadLicenseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		corpus = append(corpus, data)
	}
	add := func(data []byte) { texts[sha256.Sum256(data)] = data }
	for i, data := range corpus {
		add(data)
		add(data[:len(data)*6/10])
		if i%7 == 0 {
			// The tokenizer's edge cases: CRLF line ends, words broken
			// by a hyphen at a line end, HTML entities, invalid UTF-8,
			// lines starting with list markers.
			add(bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")))
			add(bytes.ReplaceAll(data, []byte("ion "), []byte("i-\n  on ")))
			add(bytes.ReplaceAll(data, []byte(" the "), []byte(" &amp;th&#101; ")))
			add(bytes.ReplaceAll(data, []byte("e"), []byte("e\xff")))
			add(bytes.ReplaceAll(data, []byte("\n"), []byte("\n(a) ")))
		}
		if i%3 == 0 {
			next := corpus[(i+1)%len(corpus)]
			add(append(append(slices.Clip(data), "\n\n"...), next...))
			add(append([]byte("Copyright (c) 2024 Example Authors\n\n"), data...))
		}
	}
	start := time.Now()
	lc, err := loadLicenseCorpus()
	if err != nil {
		t.Fatal(err)
	}
	got, err := classifyTexts(context.Background(), lc, texts)
	if err != nil {
		t.Fatal(err)
	}
	fast := time.Since(start)
	start = time.Now()
	found := 0
	for sum, data := range texts {
		want := classify(full, data)
		if len(want) > 0 {
			found++
		}
		if !slices.Equal(got[sum], want) {
			t.Errorf("text %x (%.60q…): got %q, the whole classifier finds %q", sum[:6], data, got[sum], want)
		}
	}
	t.Logf("%d texts (%d from the module cache), %d with licenses; matcher %v, whole classifier %v",
		len(texts), modules, found, fast, time.Since(start))
}

// A matcher's dictionary holds every word of the whole classifier's: the
// library spells a word it lacks "UNKNOWN" where it hashes runs of words
// and reads the words it dropped, so a missing word could change what it
// finds.
func TestLicenseMatcherWords(t *testing.T) {
	full, err := assets.DefaultClassifier()
	if err != nil {
		t.Fatal(err)
	}
	lc, err := loadLicenseCorpus()
	if err != nil {
		t.Fatal(err)
	}
	words := func(c *classifier.Classifier) map[string]bool {
		m := map[string]bool{}
		it := reflect.ValueOf(c).Elem().FieldByName("dict").Elem().FieldByName("indices").MapRange()
		for it.Next() {
			m[it.Key().String()] = true
		}
		return m
	}
	want, got := words(full), words(lc.newMatcher().c)
	if len(want) != len(lc.words) {
		t.Errorf("the whole classifier knows %d words, the corpus read here %d", len(want), len(lc.words))
	}
	for w := range want {
		if !got[w] {
			t.Errorf("the matcher's dictionary lacks %q", w)
		}
	}
	if len(got) > len(want)+1 { // Normalize may add a line end
		t.Errorf("the matcher knows %d words, the whole classifier %d", len(got), len(want))
	}
}

// FuzzLicenseMatcher compares the matcher with the whole classifier on
// texts made from license texts.
func FuzzLicenseMatcher(f *testing.F) {
	for _, path := range []string{"License/MIT/pristine.txt", "License/Apache-2.0/pristine.txt",
		"Header/Apache-2.0/header.txt", "License/BSD-3-Clause/pristine.txt",
		"License/GPL-2.0/license.txt", "License/LGPL-2.1/pristine.txt"} {
		data, err := assets.ReadLicenseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	full, err := assets.DefaultClassifier()
	if err != nil {
		f.Fatal(err)
	}
	lc, err := loadLicenseCorpus()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := sha256.Sum256(data)
		got, err := classifyTexts(context.Background(), lc, map[[sha256.Size]byte][]byte{sum: data})
		if err != nil {
			t.Fatal(err)
		}
		if want := classify(full, data); !slices.Equal(got[sum], want) {
			t.Errorf("got %q, the whole classifier finds %q", got[sum], want)
		}
	})
}
