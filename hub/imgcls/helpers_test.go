package imgcls

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// shufflenet returns the shared ShuffleNetV2 model directory, or skips the test.
func shufflenet(t testing.TB) string {
	t.Helper()
	dir, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	return dir
}

// catImages are two cat photos for the error tests; each is skipped where absent.
func catImages(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, elem := range [][]string{
		{"models", "shufflenet_v2_imagenet", "demo_images", "egypt_cat.jpg"},
		{"data", "images", "pld_tabby_cat.jpg"},
	} {
		p, err := shared.Path(elem...)
		if err != nil {
			t.Skipf("shared cat image absent: %v", err)
		}
		paths = append(paths, p)
	}
	return paths
}

func writeFile(t testing.TB, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

// paddleCase is one ShuffleNetV2 case of testdata/models, written by real Paddle
// (scripts/oracle/model_golden.py): a photo, the input tensor Paddle was fed and Paddle's
// softmax over the 1000 ImageNet classes.
type paddleCase struct {
	name  string
	photo string    // the case's photo in the shared folder
	input []byte    // the [1,3,224,224] float32 tensor Paddle was fed, little-endian
	probs []float32 // Paddle's probabilities, class by class
}

// shuffleNetCases are the testdata/models cases of the shared ShuffleNetV2; each photo is
// skipped where absent.
func shuffleNetCases(t testing.TB) []paddleCase {
	t.Helper()
	var cases []paddleCase
	for _, name := range []string{"shufflenet_v2_imagenet_egypt_cat", "shufflenet_v2_imagenet_serving_cat"} {
		dir := filepath.Join("..", "..", "testdata", "models", name)
		raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
		require.NoError(t, err)
		var meta struct {
			Model struct {
				ModelDir string `json:"model_dir"`
			} `json:"model"`
			Image  string `json:"image"`
			Inputs []struct {
				Shape []int  `json:"shape"`
				File  string `json:"file"`
			} `json:"inputs"`
			Outputs []struct {
				Shape []int  `json:"shape"`
				File  string `json:"file"`
			} `json:"outputs"`
		}
		require.NoError(t, json.Unmarshal(raw, &meta), name)
		require.Equal(t, "models/shufflenet_v2_imagenet", meta.Model.ModelDir, name)
		require.Equal(t, []int{1, 3, 224, 224}, meta.Inputs[0].Shape, name)
		require.Equal(t, []int{1, 1000}, meta.Outputs[0].Shape, name)
		photo, err := shared.Path(strings.Split(meta.Image, "/")...)
		if err != nil {
			t.Skipf("shared cat image absent: %v", err)
		}
		c := paddleCase{name: name, photo: photo, probs: make([]float32, 1000)}
		c.input, err = os.ReadFile(filepath.Join(dir, meta.Inputs[0].File))
		require.NoError(t, err)
		require.Len(t, c.input, 4*3*224*224, name)
		out, err := os.ReadFile(filepath.Join(dir, meta.Outputs[0].File))
		require.NoError(t, err)
		require.Len(t, out, 4*1000, name)
		require.NoError(t, binary.Read(bytes.NewReader(out), binary.LittleEndian, c.probs))
		cases = append(cases, c)
	}
	return cases
}

// top returns the classes of Paddle's k largest probabilities, largest first.
func (c paddleCase) top(k int) []int {
	idx := make([]int, len(c.probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return c.probs[idx[a]] > c.probs[idx[b]] })
	return idx[:k]
}
