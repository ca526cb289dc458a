// Package msg formats the status lines and error messages of the store, the sources, the
// importers and the installer alike.
package msg

import (
	"fmt"
	"io"
	"strings"
)

// Logf writes a progress or status line; a nil writer discards it. Library callers pass
// nil, the CLI passes stderr: results go to stdout, never mixed with progress.
func Logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// Quote puts s in double quotes as it is, without Go's escapes: names in messages stay
// readable whatever their script.
func Quote(s string) string { return `"` + s + `"` }

// JoinQuoted quotes each of ss and joins them with commas.
func JoinQuoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = Quote(s)
	}
	return strings.Join(q, ", ")
}
