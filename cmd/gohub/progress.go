package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gohub/gohub/hub/progress"
	"github.com/urfave/cli/v2"
)

// progressBar draws "name [====>   ] 12.3/61.8 MiB 5.1 MiB/s ETA 10s" on one terminal
// line, redrawn at most every redrawEvery. It is only used when stderr is a terminal;
// logs and pipes get one line per download instead (progress.Lines).
type progressBar struct {
	w           io.Writer
	name        string
	total, done int64 // total is 0 when unknown
	base        int64 // bytes present before this run (a resumed download)
	start, last time.Time
}

const redrawEvery = 100 * time.Millisecond

func newProgressBar(w io.Writer, name string, total, done int64) *progressBar {
	now := time.Now()
	return &progressBar{w: w, name: name, total: total, done: done, base: done, start: now}
}

// update records that done bytes are on disk.
func (p *progressBar) update(done int64) {
	p.done = done
	if now := time.Now(); now.Sub(p.last) >= redrawEvery {
		p.last = now
		p.draw(now)
	}
}

func (p *progressBar) draw(now time.Time) {
	elapsed := now.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done-p.base) / elapsed
	}
	line := p.name + " "
	if p.total > 0 {
		const width = 24
		filled := int(float64(width) * float64(p.done) / float64(p.total))
		filled = min(max(filled, 0), width)
		line += "[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "] " +
			progress.HumanBytes(p.done) + "/" + progress.HumanBytes(p.total)
	} else {
		line += progress.HumanBytes(p.done)
	}
	line += " " + progress.HumanBytes(int64(rate)) + "/s"
	if p.total > 0 && rate > 0 && p.done < p.total {
		eta := time.Duration(float64(p.total-p.done)/rate) * time.Second
		line += " ETA " + eta.Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%-79s", line)
}

// finish draws the final state and ends the line.
func (p *progressBar) finish() {
	p.draw(time.Now())
	fmt.Fprintln(p.w)
}

// reporter prints the library's progress events on stderr: download bars on a terminal,
// else one line per event.
func reporter(c *cli.Context) progress.Func {
	w := c.App.ErrWriter
	lines := progress.Lines(w)
	if !isTerminal(w) {
		return lines
	}
	var bar *progressBar
	return func(e progress.Event) {
		switch e := e.(type) {
		case progress.DownloadStart:
			bar = newProgressBar(w, "Downloading "+e.Name, e.Total, e.Offset)
		case progress.DownloadProgress:
			if bar != nil {
				bar.update(e.Done)
			}
		case progress.DownloadEnd:
			if bar != nil {
				bar.update(e.Done)
				bar.finish()
				bar = nil
			}
		default:
			lines(e)
		}
	}
}
