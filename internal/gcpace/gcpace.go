// Package gcpace paces the garbage collector for a short-lived command.
//
// Most runs of sbompipe allocate a few megabytes and exit within a tenth
// of a second. At the default pacing (GOGC=100 from a 4 MB heap) such a
// run collects four or five times, and on two cores each collection takes
// a core away from the work for several milliseconds: the module graph of
// a 340-module Go project read afresh spent a sixth of its time on it.
// Start has nothing collected until the heap nears a small limit instead;
// a run whose live heap outgrows half that limit (a 30,000-entry lockfile,
// the license classifier) is paced by a percentage again (LargePercent),
// so that its peak memory stays in proportion to its live heap.
package gcpace

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Limit is the memory the runtime may use before the first collection.
const Limit = 48 << 20

// small is true from Start until the collector is back at the default
// pacing.
var small atomic.Bool

// Start has the garbage collector wait until the Go runtime's memory nears
// Limit, unless GOGC or GOMEMLIMIT is set. After each collection, a live
// heap over half of Limit returns the collector to the default pacing.
func Start() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if !small.CompareAndSwap(false, true) {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(Limit)
	watch()
}

// LargePercent is the GOGC percentage of a run whose live heap outgrew
// the small pacing. A run that large is a few seconds at most, and a
// third of its CPU went to collections at 100: at 200 a 30,000-entry
// lockfile takes 7-14% less time for 224 MB at its peak instead of 200
// (docs/performance.md).
const LargePercent = 200

// Default returns the collector to the pacing of a large run
// (LargePercent, no memory limit) for the rest of the run, if Start
// changed it. Call it before allocating a large heap that lives long.
func Default() {
	if small.CompareAndSwap(true, false) {
		debug.SetGCPercent(LargePercent)
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// watch looks at the live heap after the next collection: a finalizer
// runs once the collector has found its object unreachable.
func watch() {
	sentinel := &struct{ _ *int }{}
	runtime.SetFinalizer(sentinel, func(*struct{ _ *int }) {
		if !small.Load() {
			return
		}
		if liveHeap() > Limit/2 {
			Default()
			return
		}
		watch()
	})
}

// liveHeap returns the bytes of heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxUint64 // unknown: the default pacing
	}
	return s[0].Value.Uint64()
}
