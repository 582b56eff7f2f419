package gcpace

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// Each test runs in a process of its own: the pacing is the process's.
func TestMain(m *testing.M) {
	if name := os.Getenv("GCPACE_TEST"); name != "" {
		switch name {
		case "small":
			smallHeap()
		case "grows":
			grows()
		case "default":
			Start()
			Default()
			expect(LargePercent, math.MaxInt64)
		case "env":
			Start() // GOGC=100 or GOMEMLIMIT set: left as the runtime has it
			expect(100, math.MaxInt64)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func run(t *testing.T, name string, env ...string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "GCPACE_TEST="+name), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func TestStart(t *testing.T) {
	t.Run("a small heap is not collected", func(t *testing.T) { run(t, "small") })
	t.Run("a large live heap returns to the default", func(t *testing.T) { run(t, "grows") })
	t.Run("Default", func(t *testing.T) { run(t, "default") })
	t.Run("GOGC set", func(t *testing.T) { run(t, "env", "GOGC=100") })
	t.Run("GOMEMLIMIT set", func(t *testing.T) { run(t, "env", "GOMEMLIMIT=off") })
}

// settings returns the collector's GOGC and memory limit.
func settings() (gogc, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

func expect(gogc, limit int64) {
	if g, l := settings(); g != gogc || l != limit {
		fail("GOGC %d, memory limit %d; want %d, %d", g, l, gogc, limit)
	}
}

func fail(format string, args ...any) {
	fmt.Fprint(os.Stderr, "FAIL: ")
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

var sink [][]byte

// smallHeap allocates 20 MB, most of it garbage: no collection.
func smallHeap() {
	Start()
	expect(-1, Limit)
	before := numGC()
	for range 20 << 10 {
		sink = append(sink[:0], make([]byte, 1<<10))
	}
	if n := numGC() - before; n != 0 {
		fail("%d collections of a 20 MB heap", n)
	}
	expect(-1, Limit)
}

// grows keeps more than Limit/2 live: after a collection, the default
// pacing.
func grows() {
	Start()
	for range (Limit / 2) >> 20 * 3 / 2 {
		sink = append(sink, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if g, l := settings(); g == LargePercent && l == math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			g, l := settings()
			fail("after a live heap of %d MB: GOGC %d, memory limit %d", len(sink), g, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(sink)
}

func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}
