package main

import (
	"fmt"
	"time"
)

// humanBytes writes n in binary units with one decimal: 512B, 12.3KiB,
// 12.3MiB, 1.5GiB.
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	suffixes := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n)/unit, 0
	// Compare with the rounded value, so 1023.96KiB prints as 1.0MiB, not
	// 1024.0KiB.
	for v >= unit-0.05 && i < len(suffixes)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f%s", v, suffixes[i])
}

// humanAge writes d with its two largest units, truncated: 45s, 3m12s,
// 2h5m, 3d4h. A negative d (a clock that went back) is 0s.
func humanAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%dh", s/86400, s%86400/3600)
}
