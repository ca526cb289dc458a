package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/finetune"
)

// finetuneReporter prints a task's events on stderr: PaddleHub's log lines, and on a
// terminal a progress line under them ("epoch 2/3 [=====     ] step 50/129 ETA 1m20s")
// that each log line first clears.
func finetuneReporter(c *cli.Context) func(finetune.Event) {
	w := c.App.ErrWriter
	logLine := finetune.LogEvents(w)
	if !isTerminal(w) {
		return logLine
	}
	p := &stepProgress{w: w}
	return func(e finetune.Event) {
		if s, ok := e.(finetune.StepEvent); ok {
			p.update(s)
			return
		}
		p.clear()
		logLine(e)
		p.redraw()
	}
}

// stepProgress is the terminal's progress line; its rate is measured from its first step,
// so that a resumed run's ETA counts only the steps left.
type stepProgress struct {
	w           io.Writer
	last        finetune.StepEvent
	first       int
	start, seen time.Time
	drawn       bool
}

func (p *stepProgress) update(s finetune.StepEvent) {
	now := time.Now()
	if p.start.IsZero() {
		p.start, p.first = now, s.Step-1
	}
	p.last = s
	if now.Sub(p.seen) >= redrawEvery || s.Step == s.MaxSteps {
		p.seen = now
		p.redraw()
	}
}

func (p *stepProgress) redraw() {
	s := p.last
	if s.MaxSteps == 0 {
		return
	}
	const width = 24
	filled := min(width, width*s.Step/s.MaxSteps)
	line := fmt.Sprintf("epoch %d/%d [%s%s] step %d/%d", s.Epoch, s.NumEpoch,
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), s.Step, s.MaxSteps)
	if done := s.Step - p.first; done > 0 && s.Step < s.MaxSteps {
		perStep := time.Since(p.start) / time.Duration(done)
		line += " ETA " + (perStep * time.Duration(s.MaxSteps-s.Step)).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%-79s", line)
	p.drawn = true
}

func (p *stepProgress) clear() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%79s\r", "")
	}
}
