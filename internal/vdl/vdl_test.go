package vdl

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var wall = time.UnixMilli(1_700_000_000_123)

// writeRun writes PaddleHub-like curves: train every 10 steps, dev every 50.
func writeRun(t *testing.T, w *Writer, from, to int64) {
	t.Helper()
	for s := from; s <= to; s += 10 {
		at := wall.Add(time.Duration(s) * time.Second)
		must(t, w.AddScalar("Loss_train", s, float32(1/float64(s)), at))
		must(t, w.AddScalar("acc_train", s, float32(s)/(float32(s)+10), at))
		if s%50 == 0 {
			must(t, w.AddScalar("Loss_dev", s, float32(2/float64(s)), at))
			must(t, w.AddScalar("acc_dev", s, float32(s)/(float32(s)+20), at))
		}
	}
	must(t, w.Flush())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Bytes as VisualDL 2.5.3's LogWriter (Python protobuf) writes them.
func TestEncodingMatchesVisualDL(t *testing.T) {
	got := frame(scalarRecord("Loss_train", 10, 1, 1796385938814))
	want := "1c00000000000000" + "0a1a" + "080a" + "120a" + hex.EncodeToString([]byte("Loss_train")) +
		"18feba c887a434" + "250000803f"
	if w := strings.ReplaceAll(want, " ", ""); hex.EncodeToString(got) != w {
		t.Errorf("scalar\n got %x\nwant %s", got, w)
	}
	got = frame(metaRecord("", 1796385938813))
	want = "1a00000000000000" + "0a18" + "120d" + hex.EncodeToString([]byte(metaTag)) + "18fdbac887a434" + "5200"
	if hex.EncodeToString(got) != want {
		t.Errorf("meta\n got %x\nwant %s", got, want)
	}
}

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "visualization")
	w, err := Create(dir)
	must(t, err)
	writeRun(t, w, 10, 100)
	must(t, w.AddScalar("zero", 0, 0, time.UnixMilli(0)))
	must(t, w.AddScalar("neg", -3, float32(math.Inf(-1)), wall))
	must(t, w.Close())
	must(t, w.Close())
	if err := w.AddScalar("Loss_train", 110, 1, wall); err == nil {
		t.Error("AddScalar after Close succeeded")
	}
	if !strings.HasPrefix(filepath.Base(w.Path()), "vdlrecords.") || filepath.Ext(w.Path()) != ".log" {
		t.Errorf("file name %s", w.Path())
	}
	if latest, _ := Latest(dir); latest != w.Path() {
		t.Errorf("Latest = %q, want %q", latest, w.Path())
	}
	recs, err := ReadFile(w.Path())
	must(t, err)
	if recs[0].Kind != KindMeta || recs[0].Tag != metaTag {
		t.Fatalf("first record %+v, want the meta-data record", recs[0])
	}
	recs = recs[1:]
	if len(recs) != 10*2+2*2+2 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Kind != KindScalar || r.Tag != "Loss_train" || r.Step != 10 || r.Value != 0.1 || !r.Wall.Equal(wall.Add(10*time.Second)) {
		t.Errorf("first scalar %+v", r)
	}
	if r := recs[len(recs)-1]; r.Tag != "neg" || r.Step != -3 || !math.IsInf(float64(r.Value), -1) {
		t.Errorf("last scalar %+v", r)
	}
	if err := w.AddScalar("a%b", 1, 1, wall); err == nil {
		t.Error("a tag with % was accepted")
	}
}

// A writer killed mid-record leaves a torn tail: readers stop before it, Resume drops it.
func TestTornTailAndResume(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	must(t, err)
	writeRun(t, w, 10, 100)
	must(t, w.Close())
	f, err := os.OpenFile(w.Path(), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write(frame(scalarRecord("Loss_train", 110, 1, 0))[:20])
	must(t, err)
	must(t, f.Close())
	recs, err := ReadFile(w.Path())
	must(t, err)
	if n := len(recs); n != 1+24 {
		t.Fatalf("%d records before the torn tail, want 25", n)
	}

	// Resumed from the checkpoint at step 50: steps 60..100 of the killed run are dropped.
	w2, hist, err := Resume(dir, 50)
	must(t, err)
	if w2.Path() <= w.Path() {
		t.Errorf("resumed file %s does not sort after %s", w2.Path(), w.Path())
	}
	if len(hist) != 5*2+2 || hist[len(hist)-1].Tag != "acc_dev" || hist[len(hist)-1].Step != 50 {
		t.Fatalf("history %d records, last %+v", len(hist), hist[len(hist)-1])
	}
	writeRun(t, w2, 60, 120)
	must(t, w2.Close())
	if latest, _ := Latest(dir); latest != w2.Path() {
		t.Errorf("Latest = %q, want the resumed file", latest)
	}
	recs, err = ReadFile(w2.Path())
	must(t, err)
	if recs[0].Kind != KindMeta {
		t.Errorf("first record %+v", recs[0])
	}
	steps := map[string][]int64{}
	for _, r := range recs[1:] {
		steps[r.Tag] = append(steps[r.Tag], r.Step)
	}
	// 50 from the history, then 100 from the resumed run.
	if got := steps["Loss_dev"]; len(got) != 2 || got[0] != 50 || got[1] != 100 {
		t.Errorf("Loss_dev steps %v, want [50 100]", got)
	}
	if got := steps["Loss_train"]; len(got) != 12 || got[4] != 50 || got[5] != 60 || got[11] != 120 {
		t.Errorf("Loss_train steps %v", got)
	}

	// Resume without a file is Create.
	w3, hist, err := Resume(filepath.Join(dir, "new"), 50)
	must(t, err)
	if hist != nil {
		t.Errorf("history %v from an empty dir", hist)
	}
	must(t, w3.Close())
}

// Two files created in the same second get distinct, ordered names.
func TestCreateTwiceSameSecond(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for range 3 {
		w, err := Create(dir)
		must(t, err)
		must(t, w.Close())
		paths = append(paths, w.Path())
	}
	if !(paths[0] < paths[1] && paths[1] < paths[2]) {
		t.Errorf("names not increasing: %v", paths)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d entries (temporary files left?)", len(entries))
	}
}

// oracle is what scripts/oracle/vdl_check.py prints.
type oracle struct {
	File      string                  `json:"file"`
	Scalars   map[string][][3]float64 `json:"scalars"`
	Canonical bool                    `json:"canonical"`
}

// vdlPython returns the venv's python that has the real VisualDL, or skips (fails with
// CI=true) when it is missing.
func vdlPython(t *testing.T) string {
	venv := os.Getenv("ORACLE_VDL_VENV")
	if venv == "" {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		must(t, err)
		venv = filepath.Join(root, "build", "vdl-venv")
	}
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		msg := "the real VisualDL is not installed; `bash scripts/oracle/vdl_run.sh` sets it up"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the check may not be skipped)")
		}
		t.Skip(msg)
	}
	return py
}

func readWithVisualDL(t *testing.T, py, dir string) oracle {
	t.Helper()
	cmd := exec.Command(py, filepath.Join("..", "..", "scripts", "oracle", "vdl_check.py"), dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("vdl_check.py: %v\n%s", err, stderr.String())
	}
	var o oracle
	must(t, json.Unmarshal(out, &o))
	return o
}

// The real VisualDL reads what Writer wrote: the same tags, steps, values and times.
func TestVisualDLReads(t *testing.T) {
	py := vdlPython(t)
	dir := t.TempDir()
	w, err := Create(dir)
	must(t, err)
	writeRun(t, w, 10, 100)
	must(t, w.Close())
	w, _, err = Resume(dir, 50)
	must(t, err)
	writeRun(t, w, 60, 120)
	must(t, w.AddScalar("Loss_test", 120, float32(math.Pi), wall))
	// Left open, as by a killed run: what was added is readable.
	defer w.Close()

	o := readWithVisualDL(t, py, dir)
	if o.File != filepath.Base(w.Path()) {
		t.Errorf("VisualDL shows %s, want %s", o.File, filepath.Base(w.Path()))
	}
	if !o.Canonical {
		t.Error("records differ from protobuf's canonical serialisation")
	}
	recs, err := ReadFile(w.Path())
	must(t, err)
	want := map[string][][3]float64{}
	for _, r := range recs {
		if r.Kind == KindScalar {
			want[r.Tag] = append(want[r.Tag], [3]float64{float64(r.Step), float64(r.Value), float64(r.Wall.UnixMilli())})
		}
	}
	if len(o.Scalars) != len(want) {
		t.Errorf("VisualDL tags %d, want %d", len(o.Scalars), len(want))
	}
	for tag, pts := range want {
		got := o.Scalars[tag]
		if len(got) != len(pts) {
			t.Errorf("%s: VisualDL has %d points, want %d", tag, len(got), len(pts))
			continue
		}
		for i := range pts {
			if got[i] != pts[i] {
				t.Errorf("%s[%d]: VisualDL (step, value, ms) %v, want %v", tag, i, got[i], pts[i])
			}
		}
	}
	if p := o.Scalars["Loss_train"]; len(p) != 12 || p[0][0] != 10 || p[11][0] != 120 {
		t.Errorf("Loss_train as VisualDL reads it: %v", p)
	}
	if p := o.Scalars["Loss_test"]; len(p) != 1 || p[0][1] != float64(float32(math.Pi)) {
		t.Errorf("Loss_test as VisualDL reads it: %v", p)
	}
}
