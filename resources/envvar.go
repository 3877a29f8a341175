package resources

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidEnvironmentVariable is wrapped by every error that rejects an
// environment variable.
var ErrInvalidEnvironmentVariable = errors.New("resources: invalid environment variable")

// EnvironmentVariable is one KEY=VALUE pair. Value may hold any value;
// it is formatted with fmt's %v when the variable reaches a process.
type EnvironmentVariable struct {
	Key   string
	Value any
}

// Env returns the variable key=value. It does not validate; Validate or
// the process that receives the variable does.
func Env(key string, value any) *EnvironmentVariable {
	return &EnvironmentVariable{Key: key, Value: value}
}

// ParseEnvironmentVariable parses "KEY=VALUE". The value may be empty and
// may itself hold '='; the key may not be empty.
func ParseEnvironmentVariable(s string) (*EnvironmentVariable, error) {
	key, value, ok := strings.Cut(s, "=")
	if !ok {
		return nil, fmt.Errorf("%w %q: want KEY=VALUE", ErrInvalidEnvironmentVariable, s)
	}
	e := &EnvironmentVariable{Key: key, Value: value}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// Validate reports whether the variable can be given to a process: the key
// must be non-empty and hold neither '=' nor NUL, the value must not hold
// NUL.
func (e *EnvironmentVariable) Validate() error {
	if e == nil {
		return fmt.Errorf("%w: nil", ErrInvalidEnvironmentVariable)
	}
	switch {
	case e.Key == "":
		return fmt.Errorf("%w %q: empty key", ErrInvalidEnvironmentVariable, e.String())
	case strings.ContainsAny(e.Key, "=\x00"):
		return fmt.Errorf("%w: key %q holds '=' or NUL", ErrInvalidEnvironmentVariable, e.Key)
	case strings.ContainsRune(e.ValueAsString(), 0):
		return fmt.Errorf("%w: value of %q holds NUL", ErrInvalidEnvironmentVariable, e.Key)
	}
	return nil
}

// String returns "KEY=value".
func (e *EnvironmentVariable) String() string {
	if e == nil {
		return ""
	}
	return e.Key + "=" + e.ValueAsString()
}

// ValueAsString returns the value formatted with %v; a nil value is "".
func (e *EnvironmentVariable) ValueAsString() string {
	if e == nil || e.Value == nil {
		return ""
	}
	if s, ok := e.Value.(string); ok {
		return s
	}
	return fmt.Sprintf("%v", e.Value)
}
