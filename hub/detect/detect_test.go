package detect

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/readers/picture"
)

// TestSeededSSDMatchesPaddle runs the seeded SSD on pld_dog.jpg and checks every object
// against PaddleHub's postprocess applied to real Paddle's rows for the same input
// tensor: rows scoring 0.5 or more, scaled to the photo, clipped, named - same count,
// labels and order, boxes within 1e-3 of the photo's size.
func TestSeededSSDMatchesPaddle(t *testing.T) {
	dog := sharedFile(t, "data", "images", "pld_dog.jpg")
	d, err := Open(seededFiles(t), Options{})
	require.NoError(t, err)
	defer d.Close()
	res, err := d.Detect([]string{dog})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, dog, res[0].Path)
	assert.Empty(t, res[0].SavePath)

	im, err := picture.Load(dog)
	require.NoError(t, err)
	w, h := float64(im.Width), float64(im.Height)
	var want []Object
	for _, r := range goldenRows(t) {
		if r[1] < 0.5 {
			continue
		}
		clip := func(v, hi float64) float64 { return math.Max(math.Min(v, hi), 0) }
		want = append(want, Object{Label: d.Labels()[int(r[0])], Confidence: float64(r[1]), Class: int(r[0]),
			Left: clip(float64(r[2])*w, w), Top: clip(float64(r[3])*h, h), Right: clip(float64(r[4])*w, w), Bottom: clip(float64(r[5])*h, h)})
	}
	require.NotEmpty(t, want, "the seeded model scores some boxes above 0.5 on this photo")
	got := res[0].Data
	require.Len(t, got, len(want))
	for i := range want {
		t.Logf("%+v", got[i])
		assert.Equal(t, want[i].Label, got[i].Label, "object %d", i)
		assert.InDelta(t, want[i].Confidence, got[i].Confidence, 1e-3, "object %d", i)
		for k, pair := range [][2]float64{{want[i].Left, got[i].Left}, {want[i].Top, got[i].Top}, {want[i].Right, got[i].Right}, {want[i].Bottom, got[i].Bottom}} {
			scale := w
			if k%2 == 1 {
				scale = h
			}
			assert.InDelta(t, pair[0], pair[1], 1e-3*scale, "object %d coordinate %d", i, k)
		}
	}
}

// A batch of two, on two threads, gives each photo what it gets alone (the LoD of the
// NMS output splits the rows), and a lower threshold keeps more boxes.
func TestBatchesAndThreshold(t *testing.T) {
	dog := sharedFile(t, "data", "images", "pld_dog.jpg")
	kite := sharedFile(t, "data", "images", "pld_kite.jpg")
	alone := map[string]Result{}
	d, err := Open(seededFiles(t), Options{})
	require.NoError(t, err)
	for _, p := range []string{dog, kite} {
		r, err := d.Detect([]string{p})
		require.NoError(t, err)
		alone[p] = r[0]
	}
	require.NoError(t, d.Close())
	_, err = d.Detect([]string{dog})
	assert.ErrorContains(t, err, "closed")

	d, err = Open(seededFiles(t), Options{RunOptions: kind.RunOptions{BatchSize: 2, Threads: 2}})
	require.NoError(t, err)
	defer d.Close()
	res, err := d.Detect([]string{kite, dog, dog, kite, dog})
	require.NoError(t, err)
	require.Len(t, res, 5)
	for _, r := range res {
		want := alone[r.Path]
		require.Len(t, r.Data, len(want.Data), r.Path)
		for i := range want.Data {
			assert.Equal(t, want.Data[i].Label, r.Data[i].Label)
			assert.InDelta(t, want.Data[i].Confidence, r.Data[i].Confidence, 1e-5)
			assert.InDelta(t, want.Data[i].Left, r.Data[i].Left, 1e-2)
		}
	}

	low, err := Open(seededFiles(t), Options{ScoreThreshold: Threshold(0.2)})
	require.NoError(t, err)
	defer low.Close()
	r, err := low.Detect([]string{dog})
	require.NoError(t, err)
	assert.Greater(t, len(r[0].Data), len(alone[dog].Data))
	for _, o := range r[0].Data {
		assert.GreaterOrEqual(t, o.Confidence, 0.2)
	}
}

// Visualize writes <dir>/<name> in the photo's format and says where.
func TestVisualize(t *testing.T) {
	dog := sharedFile(t, "data", "images", "pld_dog.jpg")
	posedet := sharedFile(t, "data", "images", "pld_posedet_demo.jpg") // a PNG named .jpg
	out := filepath.Join(t.TempDir(), "shown")
	d, err := Open(seededFiles(t), Options{Visualize: true, OutputDir: out, ScoreThreshold: Threshold(0.3)})
	require.NoError(t, err)
	defer d.Close()
	res, err := d.Detect([]string{dog, posedet})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "pld_dog.jpg"), res[0].SavePath)
	assert.Equal(t, filepath.Join(out, "pld_posedet_demo.png"), res[1].SavePath)
	for _, r := range res {
		data, err := os.ReadFile(r.SavePath)
		require.NoError(t, err)
		im, err := picture.Decode(r.SavePath, data)
		require.NoError(t, err)
		src, err := picture.Load(r.Path)
		require.NoError(t, err)
		assert.Equal(t, [2]int{src.Width, src.Height}, [2]int{im.Width, im.Height})
	}
	b, err := json.Marshal(res[0])
	require.NoError(t, err)
	assert.Regexp(t, `^\{"data":\[\{"label":"[a-z]+","confidence":0\.\d+,"left":[0-9.]+,"top":[0-9.]+,"right":[0-9.]+,"bottom":[0-9.]+\}.*\],"path":".*pld_dog.jpg","save_path":".*pld_dog.jpg"\}$`, string(b))
}

func TestDetectErrorsNameTheFile(t *testing.T) {
	d, err := Open(seededFiles(t), Options{})
	require.NoError(t, err)
	defer d.Close()
	bad := writeFile(t, "notes.jpg", "not an image at all")
	_, err = d.Detect([]string{sharedFile(t, "data", "images", "pld_dog.jpg"), bad})
	assert.ErrorContains(t, err, bad)
	_, err = d.Detect([]string{"/no/such/street.jpg"})
	assert.ErrorContains(t, err, "/no/such/street.jpg")
	res, err := d.Detect(nil)
	assert.NoError(t, err)
	assert.Empty(t, res)

	f := seededFiles(t)
	f.Labels = writeFile(t, "labels.txt", "background\ncat\n")
	short, err := Open(f, Options{ScoreThreshold: Threshold(0)})
	require.NoError(t, err)
	defer short.Close()
	_, err = short.Detect([]string{sharedFile(t, "data", "images", "pld_dog.jpg")})
	assert.ErrorContains(t, err, "label file "+f.Labels+" has 2 labels")

	_, err = Open(f, Options{ScoreThreshold: Threshold(1.5)})
	assert.ErrorContains(t, err, "want a number from 0 to 1")
	_, err = Open(Files{ModelDir: t.TempDir() + "/none", Labels: f.Labels}, Options{})
	assert.ErrorContains(t, err, "/none")
}
