package progress

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLines(t *testing.T) {
	var buf bytes.Buffer
	report := Lines(&buf)
	report.Report(Unpack{Archive: "lac.tar.gz"})
	report.Report(Warning{Text: "no checksum"})
	report.Report(DownloadStart{Name: "a.tar.gz", Host: "example.org", Total: 2048})
	report.Report(DownloadProgress{Name: "a.tar.gz", Done: 1024, Total: 2048})
	report.Report(DownloadStart{Name: "a.tar.gz", Offset: 1024})
	report.Report(DownloadEnd{Name: "a.tar.gz", Done: 2048, Total: 2048})
	assert.Equal(t, "Unpacking lac.tar.gz\nwarning: no checksum\nDownloading a.tar.gz (2.0 KiB) from example.org\n"+
		"Resuming a.tar.gz at 1.0 KiB of size unknown\n", buf.String(), "bars are the caller's")
	Func(nil).Statusf("nobody listens") // a nil Func discards events
}

func TestLineWriter(t *testing.T) {
	var got []string
	w := LineWriter(func(e Event) { got = append(got, e.String()) })
	fmt.Fprint(w, "Collecting lac\r\nDownlo")
	fmt.Fprint(w, "ading LAC-2.1.2.tar.gz\npartial")
	assert.Equal(t, []string{"Collecting lac", "Downloading LAC-2.1.2.tar.gz"}, got)
}

func TestHumanBytes(t *testing.T) {
	assert.Equal(t, "61.8 MiB", HumanBytes(64_800_000))
	assert.Equal(t, "512 B", HumanBytes(512))
}
