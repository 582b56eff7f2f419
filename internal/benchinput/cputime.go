//go:build unix

package benchinput

import (
	"syscall"
	"time"
)

// CPUTime returns the user and system CPU time of the process so far, or
// 0 where getrusage fails. On a shared machine it is steadier than wall
// time, so benchmarks report it beside.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
