package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle"
)

// catWords are the labels of ImageNet's domestic cats (classes 281-285) as results print them.
var catWords = []string{"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}

// TestRunImageBinary installs the shared ShuffleNetV2 model directory and classifies the
// cat photos with the built binary, as a user types it.
func TestRunImageBinary(t *testing.T) {
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	egypt := filepath.Join(src, "demo_images", "egypt_cat.jpg")
	tabby, err := shared.Path("data", "images", "pld_tabby_cat.jpg")
	if err != nil {
		t.Skipf("shared cat image absent: %v", err)
	}
	r := newRunner(t)
	res := r.run("install", src)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Successfully installed shufflenet_v2_imagenet-1.0.0")

	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt+","+tabby, "--top_k", "3")
	require.Equal(t, 0, res.code, res.stderr)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Len(t, lines, 2, res.stdout)
	for i, path := range []string{egypt, tabby} {
		t.Log(lines[i])
		assert.True(t, strings.HasPrefix(lines[i], path+": "), lines[i])
		assert.Equal(t, 3, strings.Count(lines[i], "("), lines[i])
		assert.True(t, containsAny(lines[i], catWords), "no cat in the top 3: %s", lines[i])
	}

	list := writeInput(t, "images.txt", "\n"+tabby+"\n\n")
	res = r.run("run", "shufflenet_v2_imagenet", "--input_path", egypt, "--input_file", list, "--output", "json", "--batch_size", "2")
	require.Equal(t, 0, res.code, res.stderr)
	var out []map[string]float64
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out), res.stdout)
	require.Len(t, out, 2)
	for _, r := range out {
		require.Len(t, r, 1, "top 1 by default, as PaddleHub")
		for label, p := range r {
			assert.Contains(t, catWords, label)
			assert.True(t, p > 0 && p <= 1)
		}
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
		{[]string{"--input_path", egypt, "--visualization"}, 1, "are for object detection modules"},
		{[]string{"--input_path", egypt, "--output", "xml"}, 1, `--output "xml"`},
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
	if reason, unavailable := strings.CutPrefix(paddle.GPUInfo(), "unavailable: "); unavailable {
		assert.Equal(t, 2, res.code, res.stderr)
		assert.Contains(t, res.stderr, reason)
		assert.Empty(t, res.stdout)
		return
	}
	require.Equal(t, 0, res.code, res.stderr)
	assert.True(t, containsAny(res.stdout, catWords), res.stdout)
}
