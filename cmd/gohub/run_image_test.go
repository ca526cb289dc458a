package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/internal/paddlecase"
	"github.com/gohub/gohub/internal/shared"
)

// catWords are the labels of ImageNet's domestic cats (classes 281-285) as results print them.
var catWords = []string{"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}

// TestRunImageBinary installs the shared ShuffleNetV2 model directory and classifies the
// photos of the testdata/models ShuffleNetV2 cases with the built binary, as a user types
// it, against real Paddle's probabilities for the same photos (output_0.bin): the printed
// top 3 are Paddle's top 3 in order, and each probability is Paddle's within 1e-4 relative
// to it (hub/imgcls's TestShuffleNetMatchesPaddle compares all 1000 classes and says why
// relative), plus the 5e-5 of the text output's four decimals. The JSON output carries the
// full float64, so its top 1 is held to 1e-4 alone. Measured: at most 1.6e-5 relative.
func TestRunImageBinary(t *testing.T) {
	const rtol = 1e-4
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	cases := paddlecase.ShuffleNetCases(t)
	egypt, serving := cases[0], cases[1]
	files, err := imgcls.DirFiles(src)
	require.NoError(t, err)
	labels, err := imgcls.LoadLabels(files.Labels)
	require.NoError(t, err)

	r := newRunner(t)
	res := r.run("install", src)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Successfully installed shufflenet_v2_imagenet-1.0.0")

	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt.Photo+","+serving.Photo, "--top_k", "3")
	require.Equal(t, 0, res.code, res.stderr)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Len(t, lines, 2, res.stdout)
	for i, g := range cases {
		t.Log(lines[i])
		rest, ok := strings.CutPrefix(lines[i], g.Photo+": ")
		require.True(t, ok, lines[i])
		entries := strings.Split(rest, ", ")
		require.Len(t, entries, 3, lines[i])
		for k, class := range g.Top(3) {
			label, num, ok := strings.Cut(strings.TrimSuffix(entries[k], ")"), " (")
			require.True(t, ok, entries[k])
			assert.Equal(t, labels.Short[class], label, "%s: Paddle's rank %d", g.Name, k+1)
			p, err := strconv.ParseFloat(num, 64)
			require.NoError(t, err, entries[k])
			paddle := float64(g.Probs[class])
			assert.LessOrEqual(t, math.Abs(p-paddle), 5e-5+rtol*paddle, "%s: %s printed %s, Paddle %.8g", g.Name, label, num, paddle)
		}
	}

	// --input_file adds to --input_path, skipping blank lines; one batch of two.
	list := writeInput(t, "images.txt", "\n"+serving.Photo+"\n\n")
	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt.Photo, "--input_file", list, "--output", "json", "--batch_size", "2")
	require.Equal(t, 0, res.code, res.stderr)
	var out []map[string]float64
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out), res.stdout)
	require.Len(t, out, 2)
	for i, g := range cases {
		require.Len(t, out[i], 1, "top 1 by default, as PaddleHub")
		class := g.Top(1)[0]
		p, ok := out[i][labels.Short[class]]
		require.True(t, ok, "%s: Paddle's top class %q, got %v", g.Name, labels.Short[class], out[i])
		paddle := float64(g.Probs[class])
		assert.LessOrEqual(t, math.Abs(p-paddle), rtol*paddle, "%s: gohub %.8g, Paddle %.8g", g.Name, p, paddle)
	}

	bad := writeInput(t, "broken.jpg", "not an image")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--input_path", bad}, 2, bad},
		{[]string{"--input_path", filepath.Join(t.TempDir(), "none.jpg")}, 1, "none.jpg"},
		{nil, 1, "no input: give --input_path"},
		{[]string{"--input_text", "好"}, 1, "reads images"},
		{[]string{"--input_path", egypt.Photo, "--visualization"}, 1, "are for object detection modules"},
		{[]string{"--input_path", egypt.Photo, "--output", "xml"}, 1, `--output "xml"`},
	} {
		res = r.run(append([]string{"run", "shufflenet_v2_imagenet"}, tt.args...)...)
		assert.Equal(t, tt.code, res.code, "%v: %s", tt.args, res.stderr)
		assert.Contains(t, res.stderr, tt.want, tt.args)
		assert.Empty(t, res.stdout, tt.args)
	}
}

// Image flags on a text module are a usage error.
func TestRunImageFlagsOnTextModule(t *testing.T) {
	segHome(t)
	_, errOut, code := runGohub(t, "", "lac", "--input_path", "cat.jpg")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "--input_path, --top_k, --score_thresh, --visualization and --output_dir are for image modules")
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// TestRunImageReportsBadInputs runs a good and a broken picture in one batch: the good
// one's result prints, the broken one is named on stderr with its error, and the run exits 2.
func TestRunImageReportsBadInputs(t *testing.T) {
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	egypt := filepath.Join(src, "demo_images", "egypt_cat.jpg")
	bad := writeInput(t, "broken.jpg", "not an image")
	r := newRunner(t)
	res := r.run("install", src)
	require.Equal(t, 0, res.code, res.stderr)

	for _, batch := range []string{"1", "2"} {
		res = r.run("run", "shufflenet_v2_imagenet", "--input_path", bad+","+egypt+","+bad, "--batch_size", batch)
		assert.Equal(t, 2, res.code, res.stderr)
		lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
		require.Len(t, lines, 1, res.stdout)
		assert.True(t, strings.HasPrefix(lines[0], egypt+": "), lines[0])
		assert.Equal(t, 2, strings.Count(res.stderr, bad+": not an image"), res.stderr)
		assert.Contains(t, res.stderr, "2 of 3 pictures could not be read")
	}

	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt+","+bad+","+egypt, "--batch_size", "3", "--output", "json")
	assert.Equal(t, 2, res.code, res.stderr)
	var out []map[string]float64
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out), res.stdout)
	assert.Len(t, out, 2, "the results of the good pictures")
}

// An image module asked to run on the GPU runs there, or fails with the library's reason
// where there is no usable GPU; the binary, as a user types it.
func TestRunImageUseGPU(t *testing.T) {
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	r := newRunner(t)
	res := r.run("install", src)
	require.Equal(t, 0, res.code, res.stderr)
	egypt := filepath.Join(src, "demo_images", "egypt_cat.jpg")
	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt, "--use_gpu", "--gpu_tf32")
	if refusedForNoGPU(t, res.code, res.stdout, res.stderr) {
		return
	}
	require.Equal(t, 0, res.code, res.stderr)
	assert.True(t, containsAny(res.stdout, catWords), res.stdout)

	// Three batches of one shape: the first runs op by op, the second is recorded as a CUDA
	// graph and launched, the third replays the recording; all three say the same, and what
	// the CPU says to float32 rounding.
	three := egypt + "," + egypt + "," + egypt
	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", three, "--batch_size", "1", "--use_gpu", "--output", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var gpu []map[string]float64
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &gpu), res.stdout)
	require.Len(t, gpu, 3)
	assert.Equal(t, gpu[0], gpu[1], "the recorded batch")
	assert.Equal(t, gpu[0], gpu[2], "the replayed batch")
	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt, "--output", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var cpu []map[string]float64
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &cpu), res.stdout)
	require.Len(t, cpu, 1)
	for label, p := range cpu[0] {
		assert.InEpsilon(t, p, gpu[2][label], 1e-4, label)
	}
}
