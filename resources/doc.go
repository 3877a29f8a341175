// Package resources holds the plain data that every corral package shares:
// environment variables, Docker image references, runtime contexts and
// runtime requirements.
//
// The types carry no behaviour beyond parsing and formatting. Parsers
// reject bad input with an error that names the input, so a caller can
// show it to a user as it is.
package resources
