package resources

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestEnv(t *testing.T) {
	e := Env("PORT", 8080)
	if e.Key != "PORT" || e.Value != 8080 {
		t.Fatalf("Env(PORT, 8080) = %+v", *e)
	}
	// Env does not validate: a bad key is kept for Validate to reject.
	if bad := Env("", "v"); bad == nil || bad.Key != "" {
		t.Fatalf("Env(\"\", v) = %+v, want the variable as given", bad)
	}
}

func TestParseEnvironmentVariable(t *testing.T) {
	tests := []struct {
		in        string
		wantKey   string
		wantValue string
	}{
		{"K=v", "K", "v"},
		{"K=", "K", ""},
		{"K=a=b", "K", "a=b"},
		{"PATH=/usr/bin:/bin", "PATH", "/usr/bin:/bin"},
		{"K= spaced value ", "K", " spaced value "},
		{"lower_case.key=1", "lower_case.key", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := ParseEnvironmentVariable(tt.in)
			if err != nil {
				t.Fatalf("ParseEnvironmentVariable(%q): %v", tt.in, err)
			}
			if e.Key != tt.wantKey || e.Value != tt.wantValue {
				t.Errorf("ParseEnvironmentVariable(%q) = {%q, %#v}, want {%q, %q}", tt.in, e.Key, e.Value, tt.wantKey, tt.wantValue)
			}
			if s := e.String(); s != tt.in {
				t.Errorf("String() = %q, want the input %q back", s, tt.in)
			}
		})
	}
}

func TestParseEnvironmentVariableRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// names is the text the error must hold to point at the input.
		names string
	}{
		{"empty", "", `""`},
		{"empty key", "=v", `"=v"`},
		{"no equals", "noequals", `"noequals"`},
		{"NUL in key", "K\x00=v", strconv.Quote("K\x00")},
		{"NUL in value", "K=a\x00b", `"K"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEnvironmentVariable(tt.in)
			if err == nil {
				t.Fatalf("ParseEnvironmentVariable(%q) = %+v, want an error", tt.in, *e)
			}
			if e != nil {
				t.Errorf("ParseEnvironmentVariable(%q) returned %+v with its error", tt.in, *e)
			}
			if !errors.Is(err, ErrInvalidEnvironmentVariable) {
				t.Errorf("error %v does not wrap ErrInvalidEnvironmentVariable", err)
			}
			if !strings.Contains(err.Error(), tt.names) {
				t.Errorf("error %q does not name the input (want %s in it)", err, tt.names)
			}
		})
	}
}

func TestEnvironmentVariableValidate(t *testing.T) {
	tests := []struct {
		name    string
		e       *EnvironmentVariable
		wantErr bool
	}{
		{"nil", nil, true},
		{"ok", Env("K", "v"), false},
		{"empty value", Env("K", ""), false},
		{"nil value", Env("K", nil), false},
		{"int value", Env("K", 3), false},
		{"empty key", Env("", "v"), true},
		{"equals in key", Env("A=B", "v"), true},
		{"NUL in key", Env("A\x00", "v"), true},
		{"NUL in value", Env("K", "a\x00"), true},
		{"NUL in formatted value", Env("K", nulStringer{}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidEnvironmentVariable) {
				t.Errorf("error %v does not wrap ErrInvalidEnvironmentVariable", err)
			}
		})
	}
}

// nulStringer formats with a NUL, which only shows once formatted.
type nulStringer struct{}

func (nulStringer) String() string { return "a\x00b" }

type stringerValue struct{}

func (stringerValue) String() string { return "from-stringer" }

func TestEnvironmentVariableFormatting(t *testing.T) {
	tests := []struct {
		name      string
		e         *EnvironmentVariable
		wantValue string
		wantStr   string
	}{
		{"nil variable", nil, "", ""},
		{"string", Env("K", "v"), "v", "K=v"},
		{"int", Env("PORT", 8080), "8080", "PORT=8080"},
		{"negative int", Env("N", -1), "-1", "N=-1"},
		{"nil value", Env("K", nil), "", "K="},
		{"bool", Env("DEBUG", true), "true", "DEBUG=true"},
		{"float", Env("RATIO", 0.5), "0.5", "RATIO=0.5"},
		{"stringer", Env("S", stringerValue{}), "from-stringer", "S=from-stringer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.ValueAsString(); got != tt.wantValue {
				t.Errorf("ValueAsString() = %q, want %q", got, tt.wantValue)
			}
			if got := tt.e.String(); got != tt.wantStr {
				t.Errorf("String() = %q, want %q", got, tt.wantStr)
			}
		})
	}
}
