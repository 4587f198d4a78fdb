//go:build !linux

package routing

import "time"

func threadCPU() (time.Duration, bool) { return 0, false }
