package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sentrikat/sbompipe/internal/docstats"
)

// run is one measured run of one tool on one input: a line of runs.tsv.
type run struct {
	Input, Tool string
	Round       int
	// Wall, User and Sys are seconds; user and system time include the
	// processes the tool waited for (go list, go mod graph).
	Wall, User, Sys float64
	// MaxRSS is the peak resident set size in KiB of the largest process
	// of the run, as getrusage reports it.
	MaxRSS int64
}

func (r run) tsv() string {
	return fmt.Sprintf("%s\t%s\t%d\t%.6f\t%.6f\t%.6f\t%d",
		r.Input, r.Tool, r.Round, r.Wall, r.User, r.Sys, r.MaxRSS)
}

// CPU returns user plus system time in seconds.
func (r run) CPU() float64 {
	return r.User + r.Sys
}

// readRun reads the timing of a run from hyperfine's JSON export (one
// command, one run) and its peak RSS from the output of /usr/bin/time -v.
// A run that did not exit 0 is an error: its figures measure a failure.
func readRun(hyperfineJSON, gnuTime string) (run, error) {
	data, err := os.ReadFile(hyperfineJSON)
	if err != nil {
		return run{}, err
	}
	var h struct {
		Results []struct {
			Command   string    `json:"command"`
			Times     []float64 `json:"times"`
			User      float64   `json:"user"`
			System    float64   `json:"system"`
			ExitCodes []*int    `json:"exit_codes"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return run{}, fmt.Errorf("reading %s: %w", hyperfineJSON, err)
	}
	if len(h.Results) != 1 || len(h.Results[0].Times) != 1 {
		return run{}, fmt.Errorf("reading %s: want one command with one run", hyperfineJSON)
	}
	res := h.Results[0]
	for _, code := range res.ExitCodes {
		if code == nil || *code != 0 {
			return run{}, fmt.Errorf("%s: %q did not exit 0", hyperfineJSON, res.Command)
		}
	}
	r := run{Wall: res.Times[0], User: res.User, Sys: res.System}

	data, err = os.ReadFile(gnuTime)
	if err != nil {
		return run{}, err
	}
	r.MaxRSS, err = parseGNUTime(string(data))
	if err != nil {
		return run{}, fmt.Errorf("reading %s: %w", gnuTime, err)
	}
	return r, nil
}

// parseGNUTime returns the peak RSS /usr/bin/time -v reports, in KiB, and
// an error when the command did not exit 0.
func parseGNUTime(text string) (int64, error) {
	rss, exit := int64(-1), ""
	for _, line := range strings.Split(text, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		switch key {
		case "Maximum resident set size (kbytes)":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak RSS %q: %w", value, err)
			}
			rss = n
		case "Exit status":
			exit = value
		case "Command exited with non-zero status":
			exit = value
		}
	}
	switch {
	case rss < 0:
		return 0, fmt.Errorf("no \"Maximum resident set size\" line")
	case exit != "0":
		return 0, fmt.Errorf("the command exited with status %q", exit)
	}
	return rss, nil
}

// readRuns reads runs.tsv.
func readRuns(path string) ([]run, error) {
	var runs []run
	err := readTSV(path, 7, func(f []string) error {
		r := run{Input: f[0], Tool: f[1]}
		var err error
		if r.Round, err = strconv.Atoi(f[2]); err != nil {
			return err
		}
		for i, p := range []*float64{&r.Wall, &r.User, &r.Sys} {
			if *p, err = strconv.ParseFloat(f[3+i], 64); err != nil {
				return err
			}
		}
		r.MaxRSS, err = strconv.ParseInt(f[6], 10, 64)
		runs = append(runs, r)
		return err
	})
	return runs, err
}

// contents is what one document of one run holds: a line of contents.tsv.
type contents struct {
	Input, Tool, File string
	docstats.Stats
}

func (c contents) tsv() string {
	s := c.Stats
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d",
		c.Input, c.Tool, c.File, s.Format,
		s.Components, s.Versioned, s.PURLs, s.Hashes, s.Hashed, s.Edges, s.Licensed)
}

// readContents reads contents.tsv.
func readContents(path string) ([]contents, error) {
	var out []contents
	err := readTSV(path, 11, func(f []string) error {
		c := contents{Input: f[0], Tool: f[1], File: f[2]}
		c.Format = f[3]
		for i, p := range []*int{
			&c.Components, &c.Versioned, &c.PURLs, &c.Hashes, &c.Hashed, &c.Edges, &c.Licensed,
		} {
			n, err := strconv.Atoi(f[4+i])
			if err != nil {
				return err
			}
			*p = n
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// readTSV calls line with the fields of every non-empty line of path,
// which must have n fields.
func readTSV(path string, n int, line func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for num := 1; sc.Scan(); num++ {
		if sc.Text() == "" {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != n {
			return fmt.Errorf("%s:%d: %d fields, want %d", path, num, len(fields), n)
		}
		if err := line(fields); err != nil {
			return fmt.Errorf("%s:%d: %w", path, num, err)
		}
	}
	return sc.Err()
}
