package imgcls

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/internal/paddlecase"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShuffleNetMatchesPaddle runs the real ShuffleNetV2 on the photos of the
// testdata/models ShuffleNetV2 cases and compares each image's whole result, the
// probabilities of all 1000 classes, with real Paddle's on the same photo (output_0.bin),
// in one batch and one at a time alike.
//
// The goldens' input tensor is the one our own reader made (scripts/oracle/imageprep), so
// the test first checks that the classifier's preprocessing still makes exactly those
// bytes: what is compared with Paddle is then the model run, softmax and ranking from the
// same input, not the decoding of the photo.
//
// Each probability must be within 1e-4 of Paddle's, relative to Paddle's. Relative,
// because softmax turns an error δ in the logits into a relative error of about δ in every
// probability, large or small: a relative bound checks all 1000 classes alike, where an
// absolute 1e-4 would accept anything for the ~990 classes below 1e-4. Since probabilities
// are at most 1, it also bounds the absolute difference by 1e-4. Measured: at most 1.8e-5
// relative, 4.5e-6 absolute (float32 sums in another order than Paddle's).
func TestShuffleNetMatchesPaddle(t *testing.T) {
	const rtol = 1e-4
	dir, cases := shufflenet(t), paddlecase.ShuffleNetCases(t)
	photos := make([]string, len(cases))
	for i, pc := range cases {
		photos[i] = pc.Photo
		b, err := DefaultConfig().Load([]string{pc.Photo})
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, binary.Write(&buf, binary.LittleEndian, b.Data))
		require.True(t, bytes.Equal(pc.Input, buf.Bytes()),
			"%s: the default recipe no longer makes the tensor Paddle was fed (input_0.bin); rerun make oracle-models", pc.Name)
	}
	for _, batch := range []int{1, 2} {
		c, err := Open(dir, Options{TopK: 1000, RunOptions: kind.RunOptions{BatchSize: batch, Threads: 2}})
		require.NoError(t, err)
		res, err := c.Classify(photos)
		require.NoError(t, c.Close())
		require.NoError(t, err)
		require.Len(t, res, len(cases))
		for i, r := range res {
			pc := cases[i]
			require.Len(t, r, 1000, "every class")
			var worstAbs, worstRel float64
			seen := make([]bool, 1000)
			for _, p := range r {
				require.False(t, seen[p.Class], "class %d twice", p.Class)
				seen[p.Class] = true
				paddle := float64(pc.Probs[p.Class])
				require.Positive(t, paddle, "%s: class %d", pc.Name, p.Class)
				d := math.Abs(p.Probability - paddle)
				worstAbs, worstRel = max(worstAbs, d), max(worstRel, d/paddle)
				assert.LessOrEqual(t, d, rtol*paddle, "batch %d, %s, class %d: gohub %.8g, Paddle %.8g",
					batch, pc.Name, p.Class, p.Probability, paddle)
			}
			t.Logf("batch %d, %s: top %v; largest |gohub - Paddle| %.2g, relative %.2g", batch, pc.Name, r[:3], worstAbs, worstRel)
			// Paddle's five most probable classes, in its order, lead the ranking.
			top := make([]int, 5)
			for k := range top {
				top[k] = r[k].Class
			}
			assert.Equal(t, pc.Top(5), top, "%s: Paddle's top 5, in order", pc.Name)
		}
	}
}

func TestClassifyErrorsNameTheFile(t *testing.T) {
	c, err := Open(shufflenet(t), Options{})
	require.NoError(t, err)
	defer c.Close()
	bad := writeFile(t, "notes.jpg", "not an image at all")
	_, err = c.Classify([]string{catImages(t)[0], bad})
	assert.ErrorContains(t, err, bad)
	_, err = c.Classify([]string{"/no/such/cat.jpg"})
	assert.ErrorContains(t, err, "/no/such/cat.jpg")

	res, err := c.Classify(nil)
	assert.NoError(t, err)
	assert.Empty(t, res)

	require.NoError(t, c.Close())
	_, err = c.Classify(catImages(t))
	assert.ErrorContains(t, err, "closed")
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(t.TempDir(), Options{})
	assert.ErrorContains(t, err, "no label file")

	f, err := DirFiles(shufflenet(t))
	require.NoError(t, err)
	f.Labels = writeFile(t, "labels.txt", "cat\ndog\n")
	c, err := OpenFiles(f, Options{})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Classify(catImages(t)[:1])
	assert.ErrorContains(t, err, "scores 1000 classes but its label file")
	assert.ErrorContains(t, err, f.Labels)

	_, err = OpenFiles(f, Options{RunOptions: kind.RunOptions{BatchSize: -1}})
	assert.ErrorContains(t, err, "must not be negative")
}

func TestResultJSONKeepsRankOrder(t *testing.T) {
	r := Result{{Class: 285, Label: "Egyptian cat", Probability: 0.5}, {Class: 281, Label: "tabby", Probability: 0.25}}
	b, err := json.Marshal([]Result{r})
	require.NoError(t, err)
	assert.Equal(t, `[{"Egyptian cat":0.5,"tabby":0.25}]`, string(b))
	b, err = json.Marshal(Result{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(b))
}
