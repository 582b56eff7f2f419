package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// baseline is the tool every ratio is taken against: sbompipe with its
// defaults. Other tools whose names start with "sbompipe" are variants
// (other flags) and get ratios of their own.
const baseline = "sbompipe"

// target is what issue 7 asks of sbompipe against a peer: at least Wall
// times less wall time and, where RSS > 0, at most 1/RSS of its peak
// memory.
type target struct {
	Wall, RSS float64
}

// targetFor returns the target against a peer, by the peer's name.
func targetFor(peer string) (target, bool) {
	switch {
	case strings.HasPrefix(peer, "syft"):
		return target{Wall: 30, RSS: 3}, true
	case strings.HasPrefix(peer, "cyclonedx-gomod"):
		return target{Wall: 10}, true
	}
	return target{}, false
}

// summary holds the medians of one tool on one input.
type summary struct {
	Input, Tool    string
	Runs           int
	Wall, CPU, RSS float64 // seconds, seconds, KiB
}

// summarize returns the median figures per input and tool: inputs in the
// order they first appear in runs, and on each input sbompipe first, then
// its variants, then the peers, by name.
func summarize(runs []run) []summary {
	var out []summary
	index := map[[2]string]int{}
	var walls, cpus, rsss [][]float64
	for _, r := range runs {
		k := [2]string{r.Input, r.Tool}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, summary{Input: r.Input, Tool: r.Tool})
			walls, cpus, rsss = append(walls, nil), append(cpus, nil), append(rsss, nil)
		}
		walls[i] = append(walls[i], r.Wall)
		cpus[i] = append(cpus[i], r.CPU())
		rsss[i] = append(rsss[i], float64(r.MaxRSS))
	}
	for i := range out {
		out[i].Runs = len(walls[i])
		out[i].Wall, out[i].CPU, out[i].RSS = median(walls[i]), median(cpus[i]), median(rsss[i])
	}
	order := inputs(out)
	slices.SortStableFunc(out, func(a, b summary) int {
		return cmp.Or(cmp.Compare(slices.Index(order, a.Input), slices.Index(order, b.Input)),
			cmp.Compare(toolRank(a.Tool), toolRank(b.Tool)), strings.Compare(a.Tool, b.Tool))
	})
	return out
}

func toolRank(tool string) int {
	switch {
	case tool == baseline:
		return 0
	case strings.HasPrefix(tool, baseline):
		return 1
	}
	return 2
}

// median returns the middle value of xs, or the mean of the two middle
// values when there is an even number.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func report(w io.Writer, runsPath, contentsPath string) error {
	runs, err := readRuns(runsPath)
	if err != nil {
		return err
	}
	docs, err := readContents(contentsPath)
	if err != nil {
		return err
	}
	sums := summarize(runs)
	writeTimings(w, sums)
	writeRatios(w, sums)
	writeRelease(w, sums)
	writeGrowth(w, sums)
	writeContents(w, docs)
	return nil
}

func inputs(sums []summary) []string {
	var out []string
	for _, s := range sums {
		if !slices.Contains(out, s.Input) {
			out = append(out, s.Input)
		}
	}
	return out
}

func writeTimings(w io.Writer, sums []summary) {
	fmt.Fprintln(w, "### Medians")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| input | tool | runs | wall | CPU (user+sys) | peak RSS |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, s := range sums {
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s |\n",
			s.Input, s.Tool, s.Runs, seconds(s.Wall), seconds(s.CPU), mebibytes(s.RSS))
	}
	fmt.Fprintln(w)
}

// writeRatios writes, for every sbompipe variant and every peer on the
// same input, how many times more wall time, CPU time and memory the peer
// took, and whether the target is met.
func writeRatios(w io.Writer, sums []summary) {
	fmt.Fprintln(w, "### Ratios (peer ÷ sbompipe: how many times more the peer took)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| input | sbompipe | peer | wall | CPU | peak RSS | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, in := range inputs(sums) {
		for _, s := range sums {
			if s.Input != in || !strings.HasPrefix(s.Tool, baseline) {
				continue
			}
			for _, p := range sums {
				if p.Input != in || strings.HasPrefix(p.Tool, baseline) {
					continue
				}
				wall, cpu, rss := p.Wall/s.Wall, p.CPU/s.CPU, p.RSS/s.RSS
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n",
					in, s.Tool, p.Tool, times(wall), times(cpu), times(rss),
					verdict(p.Tool, wall, rss))
			}
		}
	}
	fmt.Fprintln(w)
}

// verdict says whether the ratios meet the target against peer.
func verdict(peer string, wall, rss float64) string {
	t, ok := targetFor(peer)
	if !ok {
		return "—"
	}
	var missed []string
	if wall < t.Wall {
		missed = append(missed, fmt.Sprintf("wall %s < %s", times(wall), times(t.Wall)))
	}
	if t.RSS > 0 && rss < t.RSS {
		missed = append(missed, fmt.Sprintf("RSS %s < %s", times(rss), times(t.RSS)))
	}
	if len(missed) == 0 {
		return "met"
	}
	return "missed: " + strings.Join(missed, ", ")
}

// The release target (issue 7): the whole job, on inputs named
// "release-…", in under a second and 150 MB.
const (
	releaseWall = 1.0          // seconds
	releaseRSS  = 150e6 / 1024 // KiB
)

// writeRelease writes the release job's medians against its targets.
func writeRelease(w io.Writer, sums []summary) {
	header := false
	for _, s := range sums {
		if !strings.HasPrefix(s.Input, "release-") {
			continue
		}
		if !header {
			fmt.Fprintln(w, "### The release job against its target (under 1 s and 150 MB)")
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| input | tool | wall | peak RSS | target |")
			fmt.Fprintln(w, "|---|---|---|---|---|")
			header = true
		}
		var missed []string
		if s.Wall >= releaseWall {
			missed = append(missed, "wall "+seconds(s.Wall)+" ≥ 1 s")
		}
		if s.RSS >= releaseRSS {
			missed = append(missed, fmt.Sprintf("RSS %.0f MB ≥ 150 MB", s.RSS*1024/1e6))
		}
		v := "met"
		if len(missed) > 0 {
			v = "missed: " + strings.Join(missed, ", ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n",
			s.Input, s.Tool, seconds(s.Wall), mebibytes(s.RSS), v)
	}
	if header {
		fmt.Fprintln(w)
	}
}

// writeGrowth writes, for each tool run on the generated lockfiles
// (inputs named "requirements-N"), the wall time per entry at each size
// and its ratio to the figure at 3,000 entries: raw, and with the
// smallest input's wall time taken off as fixed cost (process start,
// loading).
func writeGrowth(w io.Writer, sums []summary) {
	type point struct {
		n    int
		wall float64
	}
	byTool := map[string][]point{}
	var tools []string
	for _, s := range sums {
		n, ok := entries(s.Input)
		if !ok {
			continue
		}
		if _, seen := byTool[s.Tool]; !seen {
			tools = append(tools, s.Tool)
		}
		byTool[s.Tool] = append(byTool[s.Tool], point{n, s.Wall})
	}
	if len(tools) == 0 {
		return
	}
	fmt.Fprintln(w, "### Growth with the number of entries (from these runs' median wall times)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| tool | entries | wall | per entry | ÷ per entry at 3,000 | "+
		"per entry less fixed cost | ÷ at 3,000 |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, tool := range tools {
		pts := byTool[tool]
		slices.SortFunc(pts, func(a, b point) int { return a.n - b.n })
		fixed := pts[0].wall
		var ref, refNet float64
		for _, p := range pts {
			if p.n == 3000 {
				ref = p.wall / float64(p.n)
				refNet = (p.wall - fixed) / float64(p.n)
			}
		}
		for _, p := range pts {
			per := p.wall / float64(p.n)
			net := (p.wall - fixed) / float64(p.n)
			rel, relNet := "—", "—"
			if ref > 0 {
				rel = fmt.Sprintf("%.2f", per/ref)
			}
			if refNet > 0 && p.n > pts[0].n {
				relNet = fmt.Sprintf("%.2f", net/refNet)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n",
				tool, thousands(p.n), seconds(p.wall), seconds(per), rel, seconds(net), relNet)
		}
	}
	fmt.Fprintln(w)
}

// entries returns N of an input named "requirements-N".
func entries(input string) (int, bool) {
	s, ok := strings.CutPrefix(input, "requirements-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

func writeContents(w io.Writer, docs []contents) {
	fmt.Fprintln(w, "### What the documents hold")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| input | tool | document | components | with version | with purl | "+
		"digests | components with a digest | dependency edges | with a license |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, d := range docs {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			d.Input, d.Tool, d.Format,
			thousands(d.Components), thousands(d.Versioned), thousands(d.PURLs),
			thousands(d.Hashes), thousands(d.Hashed), thousands(d.Edges), thousands(d.Licensed))
	}
	fmt.Fprintln(w)
}

// seconds formats a duration given in seconds: µs, ms or s with three
// significant digits.
func seconds(s float64) string {
	switch {
	case s < 0:
		return "-" + seconds(-s)
	case s < 1e-3:
		return fmt.Sprintf("%.3g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	}
	return fmt.Sprintf("%.3g s", s)
}

func mebibytes(kib float64) string {
	return fmt.Sprintf("%.0f MiB", kib/1024)
}

func times(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.1f×", x)
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
