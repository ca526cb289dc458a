package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressBar(&buf, "Downloading x.tar.gz", 4<<20, 1<<20)
	p.start = p.start.Add(-time.Second)
	p.update(2 << 20)
	p.finish()
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "\rDownloading x.tar.gz ["), out)
	assert.Contains(t, out, "2.0 MiB/4.0 MiB")
	assert.Contains(t, out, "/s ETA ")
	assert.True(t, strings.HasSuffix(out, "\n"))
}
