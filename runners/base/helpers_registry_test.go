package base

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// unusedHelpers returns the names in registry that no test file in dir
// names outside its registration: a helper is used when its name is part
// of a string literal (helperEnv+"=name", a variable holding "name", …)
// other than the key of an assignment helpers["name"] = ….
func unusedHelpers(dir string, registry map[string]func([]string) int) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	var literals []string
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		literals = append(literals, useLiterals(src)...)
	}
	var unused []string
	for name := range registry {
		if !slices.ContainsFunc(literals, func(lit string) bool { return namesHelper(lit, name) }) {
			unused = append(unused, name)
		}
	}
	slices.Sort(unused)
	return unused, nil
}

// useLiterals returns the string literals of a Go source file, except the
// keys of helper registrations: helpers["name"] = ….
func useLiterals(src []byte) []string {
	type item struct {
		tok token.Token
		lit string
	}
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, 0)
	var items []item
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		items = append(items, item{tok, lit})
	}
	is := func(i int, tok token.Token, lit string) bool {
		return i >= 0 && i < len(items) && items[i].tok == tok && (lit == "" || items[i].lit == lit)
	}
	var lits []string
	for i, it := range items {
		if it.tok != token.STRING {
			continue
		}
		if is(i-2, token.IDENT, "helpers") && is(i-1, token.LBRACK, "") && is(i+1, token.RBRACK, "") && is(i+2, token.ASSIGN, "") {
			continue // the registration itself
		}
		if v, err := strconv.Unquote(it.lit); err == nil {
			lits = append(lits, v)
		}
	}
	return lits
}

// namesHelper reports whether lit holds name as a whole word: bounded by
// the literal's ends or by characters no helper name holds.
func namesHelper(lit, name string) bool {
	for i := 0; ; {
		j := strings.Index(lit[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !nameChar(lit[start-1])) && (end == len(lit) || !nameChar(lit[end])) {
			return true
		}
		i = start + 1
	}
}

func nameChar(c byte) bool {
	return c == '-' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
