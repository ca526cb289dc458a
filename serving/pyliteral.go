package serving

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/pkg/errors"
)

// PaddleHub 1.x's image route answers with str() of its results, a Python literal that its
// clients eval; pyLiteral writes one as Python 3's repr() does.

// pyDict is a Python dict, its keys in insertion order (Python keeps that order).
type pyDict []pyItem

type pyItem struct {
	key   string
	value any
}

// pyLiteral writes v, made of string, float64, int, []any and pyDict, as Python's repr.
func pyLiteral(v any) (string, error) {
	var b strings.Builder
	err := writePy(&b, v)
	return b.String(), err
}

func writePy(b *strings.Builder, v any) error {
	switch v := v.(type) {
	case string:
		b.WriteString(pyStr(v))
	case float64:
		b.WriteString(pyFloat(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writePy(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case pyDict:
		b.WriteByte('{')
		for i, it := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyStr(it.key))
			b.WriteString(": ")
			if err := writePy(b, it.value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return errors.Errorf("serving: no Python literal for %T", v)
	}
	return nil
}

// pyFloat is repr() of a float: the shortest digits that read back exactly, in positional
// form with at least one decimal (1.0) unless the exponent is below -4 or from 16 up.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// The exponent of the shortest digits decides, as in Python; Go's exponent form is
	// Python's (1e-05, 1.5e+16).
	if s := strconv.FormatFloat(f, 'e', -1, 64); f != 0 {
		exp, _ := strconv.Atoi(s[strings.IndexByte(s, 'e')+1:])
		if exp < -4 || exp >= 16 {
			return s
		}
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// pyStr is repr() of a str: single quotes unless the text holds one and no double quote;
// backslashes, that quote and characters Python does not print escaped.
func pyStr(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}
