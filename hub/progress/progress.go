// Package progress is how the store, the sources and the installer say what they are
// doing: typed events passed to a callback. The library draws nothing; a caller prints the
// events as lines (Lines) or, as the CLI does on a terminal, draws download bars.
package progress

import (
	"fmt"
	"io"
	"strings"
)

// Event is one thing that happened. String is its line of text ("" for events that only
// a progress bar shows).
type Event interface {
	String() string
}

// Func receives events as they happen, from one goroutine at a time.
type Func func(Event)

// Report passes e to f; a nil Func discards it.
func (f Func) Report(e Event) {
	if f != nil {
		f(e)
	}
}

// Statusf reports a Status.
func (f Func) Statusf(format string, args ...any) {
	f.Report(Status{Text: fmt.Sprintf(format, args...)})
}

// Status is a line about the work: a step, a wait, a source tried.
type Status struct{ Text string }

func (s Status) String() string { return s.Text }

// Warning is something the user should know that did not stop the work: a download
// without a checksum, a model installed under force though it does not load.
type Warning struct{ Text string }

func (w Warning) String() string { return "warning: " + w.Text }

// Unpack: an archive is being unpacked to be installed.
type Unpack struct{ Archive string }

func (u Unpack) String() string { return "Unpacking " + u.Archive }

// DownloadStart: a download of Name from Host begins, or resumes from Offset bytes;
// Total is its size, 0 when the server does not say.
type DownloadStart struct {
	Name, Host    string
	Offset, Total int64
}

func (d DownloadStart) String() string {
	if d.Offset == 0 {
		return fmt.Sprintf("Downloading %s (%s) from %s", d.Name, sizeOrUnknown(d.Total), d.Host)
	}
	return fmt.Sprintf("Resuming %s at %s of %s", d.Name, HumanBytes(d.Offset), sizeOrUnknown(d.Total))
}

// DownloadProgress: Done bytes of Name are on disk (Total as in DownloadStart).
type DownloadProgress struct {
	Name        string
	Done, Total int64
}

func (DownloadProgress) String() string { return "" }

// DownloadEnd: the transfer of Name stopped, finished or not, with Done bytes on disk.
type DownloadEnd struct {
	Name        string
	Done, Total int64
}

func (DownloadEnd) String() string { return "" }

// Lines prints every event that has a line to w, one line each.
func Lines(w io.Writer) Func {
	return func(e Event) {
		if s := e.String(); s != "" {
			fmt.Fprintln(w, s)
		}
	}
}

// LineWriter is an io.Writer that reports each line written to it as a Status: a
// subprocess's output (pip's) becomes events.
func LineWriter(f Func) io.Writer { return &lineWriter{f: f} }

type lineWriter struct {
	f    Func
	rest []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.rest = append(w.rest, b...)
	for {
		i := strings.IndexByte(string(w.rest), '\n')
		if i < 0 {
			return len(b), nil
		}
		w.f.Report(Status{Text: strings.TrimRight(string(w.rest[:i]), "\r")})
		w.rest = w.rest[i+1:]
	}
}

// HumanBytes formats a size with 1024-based units and one decimal: 61.8 MiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[i])
}

func sizeOrUnknown(n int64) string {
	if n <= 0 {
		return "size unknown"
	}
	return HumanBytes(n)
}
