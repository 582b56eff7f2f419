// Command benchtool is the Go half of scripts/compare.sh, the side-by-side
// comparison of sbompipe with syft and cyclonedx-gomod. It is not part of
// the sbompipe binary.
//
//	benchtool requirements -n N [-seed S] FILE
//	    writes a pip-compile lockfile of N hashed entries (internal/benchinput)
//	benchtool record -input I -tool T -round R HYPERFINE_JSON GNU_TIME_FILE
//	    prints one run as a line of runs.tsv: the wall, user and system time
//	    hyperfine measured, and the peak RSS /usr/bin/time -v measured
//	benchtool stats -input I -tool T FILE...
//	    prints a line of contents.tsv for each CycloneDX or SPDX JSON file
//	benchtool gomod-subset -n N SRC DST
//	    writes into DST a go.mod and go.sum of the first N requirements of SRC's
//	benchtool seed-archive -n N -product P DIR
//	    adds N releases of P to the folder store DIR (unless it has an index)
//	benchtool report RUNS_TSV CONTENTS_TSV
//	    prints the medians, the ratios, the linear-growth figures and the
//	    contents as Markdown tables
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sentrikat/sbompipe/internal/benchinput"
	"github.com/sentrikat/sbompipe/internal/docstats"
)

func main() {
	if err := benchtool(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "benchtool: %v\n", err)
		os.Exit(2)
	}
}

func benchtool(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(
			"usage: benchtool requirements|record|stats|gomod-subset|seed-archive|report ...")
	}
	fs := flag.NewFlagSet("benchtool "+args[0], flag.ContinueOnError)
	switch args[0] {
	case "requirements":
		n := fs.Int("n", 0, "number of entries")
		seed := fs.Uint64("seed", 1, "random seed")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("requirements: want one output FILE")
		}
		return writeRequirements(fs.Arg(0), benchinput.Requirements{Entries: *n, Seed: *seed})
	case "record":
		input, tool := fs.String("input", "", "input name"), fs.String("tool", "", "tool name")
		round := fs.Int("round", 0, "round number")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			return errors.New("record: want HYPERFINE_JSON and GNU_TIME_FILE")
		}
		r, err := readRun(fs.Arg(0), fs.Arg(1))
		if err != nil {
			return err
		}
		r.Input, r.Tool, r.Round = *input, *tool, *round
		_, err = fmt.Fprintln(stdout, r.tsv())
		return err
	case "stats":
		input, tool := fs.String("input", "", "input name"), fs.String("tool", "", "tool name")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		for _, path := range fs.Args() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			s, err := docstats.Read(data)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			c := contents{Input: *input, Tool: *tool, File: filepath.Base(path), Stats: s}
			if _, err := fmt.Fprintln(stdout, c.tsv()); err != nil {
				return err
			}
		}
		return nil
	case "gomod-subset":
		n := fs.Int("n", 0, "number of requirements")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			return errors.New("gomod-subset: want SRC and DST folders")
		}
		return writeGoModSubset(fs.Arg(0), fs.Arg(1), *n)
	case "seed-archive":
		n := fs.Int("n", 1000, "number of releases")
		product := fs.String("product", "agent", "product name")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("seed-archive: want the store's folder")
		}
		return seedArchive(context.Background(), fs.Arg(0), *product, *n)
	case "report":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			return errors.New("report: want RUNS_TSV and CONTENTS_TSV")
		}
		return report(stdout, fs.Arg(0), fs.Arg(1))
	}
	return fmt.Errorf("unknown command %q "+
		"(want requirements, record, stats, gomod-subset, seed-archive or report)", args[0])
}

func writeRequirements(path string, r benchinput.Requirements) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
