package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// printTable writes rows under a header.
func printTable(w io.Writer, header []string, rows [][]string) {
	printRows(w, append([][]string{header}, rows...))
}

// printRows writes rows with columns padded to their widest cell and separated by two
// spaces. Wide (CJK) characters count as two columns.
func printRows(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	for _, r := range rows {
		line(r)
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) ||
			unicode.Is(unicode.Katakana, r) || (r >= 0xFF00 && r <= 0xFF60) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// checkFormat validates --format.
func checkFormat(format string) error {
	if format != "table" && format != "json" {
		return usageErrorf("--format must be table or json, not %q", format)
	}
	return nil
}
