package finetune

import (
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gohub/gohub/internal/vdl"
)

// events of a run from step `from` to `to`: train logs every 10 steps, a checkpoint and a
// dev evaluation every 50.
func curveEvents(from, to int) []Event {
	var es []Event
	for s := from; s <= to; s += 10 {
		x := float64(s)
		es = append(es, StepEvent{Step: s},
			TrainLogEvent{Step: s, Scores: Scores{Loss: 1 / x, Metrics: map[string]float64{"acc": x / (x + 10), "f1": x / (x + 30)}}})
		if s%50 == 0 {
			es = append(es, CheckpointEvent{Step: s},
				EvalEvent{Phase: "dev", Step: s, Scores: Scores{Loss: 2 / x, Metrics: map[string]float64{"acc": x / (x + 20), "f1": x / (x + 40)}}})
		}
	}
	return es
}

func TestCurveLogger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ckpt")
	log, closer, err := CurveLogger(dir, []string{"acc", "f1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range curveEvents(10, 80) {
		log(e)
	}
	// Stopped at step 80: the run resumes from its checkpoint at step 50.
	if _, err := os.Stat(filepath.Join(dir, CurvesFile)); err != nil {
		t.Errorf("no %s after the first evaluation: %v", CurvesFile, err)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	first, _ := vdl.Latest(filepath.Join(dir, VisualizationDir))

	log, closer, err = CurveLogger(dir, []string{"acc", "f1"})
	if err != nil {
		t.Fatal(err)
	}
	log(ResumeEvent{Step: 50})
	for _, e := range curveEvents(60, 100) {
		log(e)
	}
	// The final evaluations: dev again at the last step (left out), then test.
	log(EvalEvent{Phase: "dev", Step: 100, Scores: Scores{Loss: 9, Metrics: map[string]float64{"acc": 9}}})
	log(EvalEvent{Phase: "test", Step: 100, Scores: Scores{Loss: 0.03, Metrics: map[string]float64{"acc": 0.8, "f1": 0.7}}})
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	if err := closer.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	path, _ := vdl.Latest(filepath.Join(dir, VisualizationDir))
	if path == first {
		t.Fatalf("the resumed run wrote on in %s", first)
	}
	recs, err := vdl.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string][]int64{}
	values := map[string][]float32{}
	for _, r := range recs {
		if r.Kind == vdl.KindScalar {
			steps[r.Tag], values[r.Tag] = append(steps[r.Tag], r.Step), append(values[r.Tag], r.Value)
		}
	}
	want := map[string][]int64{
		"Loss_train": {10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
		"acc_train":  {10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
		"f1_train":   {10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
		"Loss_dev":   {50, 100},
		"acc_dev":    {50, 100},
		"f1_dev":     {50, 100},
		"Loss_test":  {100},
		"acc_test":   {100},
		"f1_test":    {100},
	}
	if len(steps) != len(want) {
		t.Errorf("tags %v", steps)
	}
	for tag, w := range want {
		if !slices.Equal(steps[tag], w) {
			t.Errorf("%s steps %v, want %v", tag, steps[tag], w)
		}
	}
	if v := values["Loss_dev"]; len(v) == 2 && v[1] != float32(2.0/100) {
		t.Errorf("Loss_dev at 100 = %v, want the first evaluation's 0.02", v[1])
	}
	if v := values["acc_test"]; len(v) != 1 || v[0] != 0.8 {
		t.Errorf("acc_test %v", v)
	}

	f, err := os.Open(filepath.Join(dir, CurvesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 400 {
		t.Errorf("%s is %v", CurvesFile, b.Size())
	}
}
