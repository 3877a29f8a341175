package main

import (
	"fmt"
	"log/slog"
	"strings"
)

// defaultLogLevel keeps stderr for the command's own output: only
// warnings and errors of corral appear unless asked.
const defaultLogLevel = slog.LevelWarn

// logLevel is the --log-level flag: debug, info, warn or error, as
// slog.Level parses them ("warn+2" and such are accepted too).
type logLevel struct{ slog.Level }

func (l *logLevel) String() string { return strings.ToLower(l.Level.String()) }
func (l *logLevel) Type() string   { return "level" }

func (l *logLevel) Set(s string) error {
	var v slog.Level
	if err := v.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("want debug, info, warn or error")
	}
	l.Level = v
	return nil
}
