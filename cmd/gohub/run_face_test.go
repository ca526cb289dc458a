package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

type faceJSON struct {
	Label                    string  `json:"label"`
	Confidence               float64 `json:"confidence"`
	Left, Top, Right, Bottom int
}

// goldenFaces reads the mask module's oracle faces of a picture from testdata/faces.
func goldenFaces(t *testing.T, image string) []faceJSON {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "faces", "faces.json"))
	require.NoError(t, err)
	var g struct {
		Cases []struct {
			Image string          `json:"image"`
			Paint json.RawMessage `json:"paint"`
			Mask  []faceJSON      `json:"mask"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &g))
	for _, c := range g.Cases {
		if c.Image == image && string(c.Paint) == "null" {
			return c.Mask
		}
	}
	t.Fatalf("no golden case for %s", image)
	return nil
}

// faceModules returns the shared mask and face modules' directories and a crowd picture; it
// skips where the shared models are absent.
func faceModules(t *testing.T) (mask, face, crowd string) {
	t.Helper()
	mask, err := shared.Path("models", "mask_detector")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	face, err = shared.Path("models", "pyramidbox_lite")
	require.NoError(t, err)
	crowd, err = shared.Path("data", "images", "pld_face.jpg")
	require.NoError(t, err)
	return mask, face, crowd
}

// TestRunFaceBinary installs the two face modules from the shared Paddle-Lite folders and
// runs them as a user types it; the mask module's JSON is compared with the oracle
// (testdata/faces: PaddleHub's pipeline on real Paddle-Lite).
func TestRunFaceBinary(t *testing.T) {
	mask, face, crowd := faceModules(t)
	astro, err := shared.Path("data", "images", "skimage_astronaut.png")
	require.NoError(t, err)

	r := newRunner(t)
	res := r.run("install", mask, face)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Successfully installed pyramidbox_lite_mobile_mask-1.0.0")
	assert.Contains(t, res.stdout, "Successfully installed pyramidbox_lite_mobile-1.0.0")

	out := filepath.Join(t.TempDir(), "drawn")
	res = r.run("run", "pyramidbox_lite_mobile_mask", "--input_path", crowd+","+astro, "--output", "json",
		"--visualization", "--output_dir", out)
	require.Equal(t, 0, res.code, res.stderr)
	var got []struct {
		Data     []faceJSON `json:"data"`
		Path     string     `json:"path"`
		SavePath string     `json:"save_path"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &got), res.stdout)
	require.Len(t, got, 2)
	// pld_face.jpg: Go's JPEG decoder differs from libjpeg-turbo's, so faces are matched by
	// position and confidences compared within what that moves them (hub/facedet measures it).
	want := goldenFaces(t, "data/images/pld_face.jpg")
	require.Len(t, got[0].Data, len(want))
	used := make([]bool, len(want))
	for _, f := range got[0].Data {
		k := -1
		for j, w := range want {
			if !used[j] && abs(w.Left-f.Left) <= 1 && abs(w.Top-f.Top) <= 1 && abs(w.Right-f.Right) <= 1 && abs(w.Bottom-f.Bottom) <= 1 {
				k = j
				break
			}
		}
		require.GreaterOrEqual(t, k, 0, "face %+v is not in the oracle's", f)
		used[k] = true
		assert.Equal(t, want[k].Label, f.Label)
		assert.InDelta(t, want[k].Confidence, f.Confidence, 2e-2)
	}
	// The PNG decodes to OpenCV's pixels: the oracle's face exactly.
	want = goldenFaces(t, "data/images/skimage_astronaut.png")
	require.Len(t, got[1].Data, 1)
	assert.Equal(t, want[0].Label, got[1].Data[0].Label)
	assert.InDelta(t, want[0].Confidence, got[1].Data[0].Confidence, 1e-4)
	assert.Equal(t, [4]int{want[0].Left, want[0].Top, want[0].Right, want[0].Bottom},
		[4]int{got[1].Data[0].Left, got[1].Data[0].Top, got[1].Data[0].Right, got[1].Data[0].Bottom})
	assert.Equal(t, filepath.Join(out, "pld_face.jpg"), got[0].SavePath)
	assert.FileExists(t, got[0].SavePath)
	assert.FileExists(t, got[1].SavePath)

	res = r.run("run", "pyramidbox_lite_mobile", "--input_path", astro)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, astro+": 1 face\n  face 0.9998 (177, 57, 271, 177)\n", res.stdout)
	res = r.run("run", "pyramidbox_lite_mobile", "--input_path", astro, "--confs_threshold", "0.99999")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, astro+": 0 faces\n", res.stdout)

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--input_path", astro, "--confs_threshold", "2"}, "--confs_threshold 2: want a number from 0 to 1"},
		{[]string{"--input_path", astro, "--shrink", "0"}, "--shrink 0"},
		{[]string{"--input_path", astro, "--score_thresh", "0.5"}, "takes --confs_threshold"},
		{nil, "no input: give --input_path"},
	} {
		res = r.run(append([]string{"run", "pyramidbox_lite_mobile_mask"}, tt.args...)...)
		assert.Equal(t, 1, res.code, "%v: %s", tt.args, res.stderr)
		assert.Contains(t, res.stderr, tt.want, tt.args)
		assert.Empty(t, strings.TrimSpace(res.stdout), tt.args)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
