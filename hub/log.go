package hub

import (
	"fmt"
	"io"
)

// Logf writes a progress or status line; a nil writer discards it. Library callers pass
// nil, the CLI passes stderr: results go to stdout, never mixed with progress.
func Logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
