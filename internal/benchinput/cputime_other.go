//go:build !unix

package benchinput

import "time"

// CPUTime returns 0 where the process's CPU time is not read: benchmarks
// then report wall time alone.
func CPUTime() time.Duration { return 0 }
