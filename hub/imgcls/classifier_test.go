package imgcls

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/gohub/gohub/hub/kind"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShuffleNetNamesTheCats runs the real ShuffleNetV2 on two cat photos: a domestic cat
// among the top 3 of each, in one batch and one at a time alike.
func TestShuffleNetNamesTheCats(t *testing.T) {
	dir, cats := shufflenet(t), catImages(t)
	for _, batch := range []int{1, 2} {
		c, err := Open(dir, Options{TopK: 3, RunOptions: kind.RunOptions{BatchSize: batch, Threads: 2}})
		require.NoError(t, err)
		res, err := c.Classify(cats)
		require.NoError(t, c.Close())
		require.NoError(t, err)
		require.Len(t, res, len(cats))
		for i, r := range res {
			require.Len(t, r, 3)
			t.Logf("batch %d: %s: %v", batch, cats[i], r)
			assert.True(t, slices.ContainsFunc(r, func(p Prediction) bool { return isCat(p.Class) }),
				"%s: no cat in the top 3: %v", cats[i], r)
			assert.True(t, r[0].Probability >= r[1].Probability && r[1].Probability >= r[2].Probability)
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
