//go:build !unix

package imgbatch

import "time"

func cpuTime() time.Duration { return 0 }
