package finetune

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gohub/gohub/internal/curves"
	"github.com/gohub/gohub/internal/vdl"
)

// CurvesFile is the picture CurveLogger draws in the checkpoint directory.
const CurvesFile = "curves.png"

// VisualizationDir is where CurveLogger writes VisualDL's log files, as PaddleHub 1.7+
// does: `visualdl --logdir <checkpoint_dir>/visualization` shows them.
const VisualizationDir = "visualization"

// CurveLogger returns a subscriber that records a run's curves, and the Closer that ends
// them. It writes PaddleHub's VisualDL scalars to <checkpointDir>/visualization:
// Loss_train and <metric>_train at each TrainLogEvent, Loss_<phase> and <metric>_<phase>
// at each EvalEvent (phase dev or test), all against the training global step; and it
// draws <checkpointDir>/curves.png (loss, and the main metric metrics[0], for train, dev
// and test) at each EvalEvent and at Close.
//
// Subscribe it before the run starts, so that it sees the ResumeEvent of a resumed run: it
// then continues the curves of the run it resumes, up to the checkpoint's step, in a new
// VisualDL file (VisualDL shows only a directory's newest file). A point of a tag at a
// step not after that tag's last one (an evaluation repeated at the same step) is left
// out.
//
// The subscriber does not fail the run: the first error (a full disk, say) stops the
// curves, and Close returns it. Close draws the picture a last time and closes the file;
// call it when the run ends, also after a failed run.
func CurveLogger(checkpointDir string, metrics []string) (func(Event), io.Closer, error) {
	if err := os.MkdirAll(filepath.Join(checkpointDir, VisualizationDir), 0o755); err != nil {
		return nil, nil, err
	}
	c := &curveLogger{dir: checkpointDir, series: map[string]*curve{}}
	if len(metrics) > 0 {
		c.main = metrics[0]
	}
	return c.handle, c, nil
}

type curveLogger struct {
	mu     sync.Mutex
	dir    string
	main   string
	w      *vdl.Writer
	series map[string]*curve // by VisualDL tag
	err    error
	closed bool
}

type curve struct{ steps, values []float64 }

func (c *curveLogger) handle(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.closed {
		return
	}
	switch e := e.(type) {
	case ResumeEvent:
		c.err = c.resume(int64(e.Step))
	case TrainLogEvent:
		c.err = c.add("train", e.Step, e.Scores)
	case EvalEvent:
		if e.Phase == "" {
			return
		}
		if c.err = c.add(e.Phase, e.Step, e.Scores); c.err == nil {
			if c.err = c.w.Flush(); c.err == nil {
				c.err = c.draw()
			}
		}
	case CheckpointEvent:
		if c.w != nil {
			c.err = c.w.Flush()
		}
	}
}

// resume continues the curves of the run that saved the checkpoint at step.
func (c *curveLogger) resume(step int64) error {
	if c.w != nil {
		if err := c.w.Close(); err != nil {
			return err
		}
	}
	w, hist, err := vdl.Resume(filepath.Join(c.dir, VisualizationDir), step)
	if err != nil {
		return err
	}
	c.w, c.series = w, map[string]*curve{}
	for _, r := range hist {
		c.point(r.Tag, float64(r.Step), float64(r.Value))
	}
	return nil
}

// add writes Loss_<suffix> and <metric>_<suffix> for every metric, in name order.
func (c *curveLogger) add(suffix string, step int, s Scores) error {
	if c.w == nil {
		w, err := vdl.Create(filepath.Join(c.dir, VisualizationDir))
		if err != nil {
			return err
		}
		c.w = w
	}
	now := time.Now()
	names := make([]string, 0, len(s.Metrics))
	for n := range s.Metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	values := append([]float64{s.Loss}, make([]float64, len(names))...)
	tags := append([]string{"Loss_" + suffix}, make([]string, len(names))...)
	for i, n := range names {
		tags[i+1], values[i+1] = n+"_"+suffix, s.Metrics[n]
	}
	for i, tag := range tags {
		if strings.Contains(tag, "%") || !c.point(tag, float64(step), values[i]) {
			continue
		}
		if err := c.w.AddScalar(tag, int64(step), float32(values[i]), now); err != nil {
			return err
		}
	}
	return nil
}

// point adds a point to a series unless its step is not after the series' last.
func (c *curveLogger) point(tag string, step, value float64) bool {
	s := c.series[tag]
	if s == nil {
		s = &curve{}
		c.series[tag] = s
	}
	if n := len(s.steps); n > 0 && step <= s.steps[n-1] {
		return false
	}
	s.steps, s.values = append(s.steps, step), append(s.values, value)
	return true
}

// draw writes curves.png: the loss and the main metric, each for train, dev and test.
func (c *curveLogger) draw() error {
	quantity := func(name, title string) curves.Panel {
		p := curves.Panel{Title: title, YLabel: name}
		for i, phase := range []string{"train", "dev", "test"} {
			s := c.series[name+"_"+phase]
			if s == nil {
				continue
			}
			p.Series = append(p.Series, curves.Series{Label: phase, X: s.steps, Y: s.values,
				Color: curves.Palette[i], Marks: phase != "train"})
		}
		return p
	}
	panels := []curves.Panel{quantity("Loss", "loss")}
	if c.main != "" {
		panels = append(panels, quantity(c.main, c.main+" (main metric)"))
	}
	last := 0.0
	for _, s := range c.series {
		if n := len(s.steps); n > 0 {
			last = math.Max(last, s.steps[n-1])
		}
	}
	title := fmt.Sprintf("%s: step %d", filepath.Base(c.dir), int64(last))
	return curves.WriteFile(filepath.Join(c.dir, CurvesFile), curves.Chart{Title: title, Panels: panels})
}

// Close draws curves.png a last time, closes the VisualDL file and returns the first error
// the curves met. Closing twice returns nil.
func (c *curveLogger) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.err
	if c.w != nil {
		if err == nil && len(c.series) > 0 {
			err = c.draw()
		}
		if cerr := c.w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("curves: %w", err)
	}
	return nil
}
