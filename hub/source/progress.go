package source

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws "name [====>   ] 12.3/61.8 MiB 5.1 MiB/s ETA 10s" on one terminal
// line, redrawn at most every redrawEvery. It is only used when the writer is a terminal;
// logs and pipes get one line per download instead.
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

func (p *progressBar) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= redrawEvery {
		p.last = now
		p.draw(now)
	}
	return len(b), nil
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
			HumanBytes(p.done) + "/" + HumanBytes(p.total)
	} else {
		line += HumanBytes(p.done)
	}
	line += " " + HumanBytes(int64(rate)) + "/s"
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
