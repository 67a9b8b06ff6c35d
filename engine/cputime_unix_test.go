//go:build unix

package engine

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used:
// on a machine shared with other work, benchmarks report it next to the
// wall time, which also counts the time spent waiting for a CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
