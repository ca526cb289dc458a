//go:build unix

package imgbatch

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time, GC included: images per CPU second
// stays meaningful on a machine whose cores other jobs share.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
