// Package msg formats names in the error messages of the store, the sources, the importers
// and the installer alike.
package msg

import (
	"strings"
)

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
