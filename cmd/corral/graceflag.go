package main

import (
	"fmt"
	"time"
)

// maxGrace is the longest --grace corral takes: a stop that may wait a
// day between its signals is a typo (--grace 10000s for 10s), and a stop
// nobody would wait for.
const (
	maxGrace     = 24 * time.Hour
	maxGraceText = "24h"
)

// graceFlag is --grace: a duration of zero to maxGrace, checked as the
// flag is parsed so that a bad one is a usage error naming the flag.
type graceFlag struct{ d *time.Duration }

func (g graceFlag) String() string {
	if g.d == nil {
		return ""
	}
	return g.d.String()
}

func (g graceFlag) Type() string { return "duration" }

func (g graceFlag) Set(s string) error {
	d, err := parseGrace(s)
	if err != nil {
		return err
	}
	*g.d = d
	return nil
}

// parseGrace parses a --grace value: a Go duration, such as 10s or
// 1m30s, of zero to maxGrace.
func parseGrace(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("want a duration such as 10s or 1m30s")
	case d < 0:
		return 0, fmt.Errorf("want a duration of zero or more, such as 10s or 1m30s")
	case d > maxGrace:
		return 0, fmt.Errorf("longer than the %s limit; want at most %s", maxGraceText, maxGraceText)
	}
	return d, nil
}
