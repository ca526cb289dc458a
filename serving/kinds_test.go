package serving

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/picture"
)

// results decodes an answer's results into v.
func results(t *testing.T, r Response, v any) {
	t.Helper()
	b, err := json.Marshal(r.Results)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// TestServeObjectDetection serves the seeded SSD model: PaddleHub's {"data": [...],
// "path": ...} per picture; score_threshold filters above the served threshold.
func TestServeObjectDetection(t *testing.T) {
	h := installed(t, "ssd_mobilenet_v1_pascal")
	_, dog := sharedImage(t, "pld_dog.jpg")
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "ssd_mobilenet_v1_pascal"}}, Workers: 1}, h, nil)
	type object struct {
		Label                                string
		Confidence, Left, Top, Right, Bottom float64
	}
	var got []struct{ Data []object }

	code, r, raw := ts.post(t, "/predict/ssd_mobilenet_v1_pascal", jsonType, fmt.Sprintf(`{"images": [%q], "visualization": false}`, dog))
	require.Equal(t, http.StatusOK, code, raw)
	results(t, r, &got)
	require.Len(t, got, 1)
	require.NotEmpty(t, got[0].Data)
	for _, o := range got[0].Data {
		assert.Equal(t, "diningtable", o.Label, "the seeded weights' favourite class on this photo")
		assert.GreaterOrEqual(t, o.Confidence, 0.5)
		assert.Less(t, o.Left, o.Right)
	}
	all := len(got[0].Data)

	code, r, raw = ts.post(t, "/predict/ssd_mobilenet_v1_pascal", jsonType, fmt.Sprintf(`{"images": [%q], "score_threshold": 0.9}`, dog))
	require.Equal(t, http.StatusOK, code, raw)
	got = nil
	results(t, r, &got)
	assert.LessOrEqual(t, len(got[0].Data), all)
	for _, o := range got[0].Data {
		assert.GreaterOrEqual(t, o.Confidence, 0.9)
	}

	for body, want := range map[string]string{
		fmt.Sprintf(`{"images": [%q], "score_threshold": 0.2}`, dog): "score_threshold 0.2 is below the served 0.5",
		fmt.Sprintf(`{"images": [%q], "score_threshold": 2}`, dog):   "score_threshold: want a number from 0 to 1",
		fmt.Sprintf(`{"images": [%q], "visualization": true}`, dog):  `visualization is off for ssd_mobilenet_v1_pascal: set "visualization": true in its predict_args`,
		fmt.Sprintf(`{"images": [%q], "top_k": 3}`, dog):             `unexpected field "top_k"`,
	} {
		code, r, _ := ts.post(t, "/predict/ssd_mobilenet_v1_pascal", jsonType, body)
		assert.Equal(t, http.StatusBadRequest, code, want)
		assert.Equal(t, StatusPredictError, r.Status)
		assert.Contains(t, r.Msg, want)
	}
}

// TestServeFaces serves pyramidbox_lite_mobile_mask: the astronaut's face, NO MASK, in
// the box PaddleHub's pipeline gives (testdata/faces).
func TestServeFaces(t *testing.T) {
	h := installed(t, "pyramidbox_lite_mobile_mask")
	_, astronaut := sharedImage(t, "skimage_astronaut.png")
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "pyramidbox_lite_mobile_mask"}}, Workers: 1}, h, nil)

	code, _, raw := ts.post(t, "/predict/pyramidbox_lite_mobile_mask", jsonType, fmt.Sprintf(`{"images": [%q]}`, astronaut))
	require.Equal(t, http.StatusOK, code, raw)
	assert.Regexp(t, `^\{"msg":"","results":\[\{"data":\[\{"label":"NO MASK","confidence":[0-9.e-]+,"left":177,"top":57,"right":271,"bottom":177\}\],"path":""\}\],"status":"000"\}$`, raw)

	code, _, raw = ts.post(t, "/predict/pyramidbox_lite_mobile_mask", jsonType, fmt.Sprintf(`{"images": [%q], "confs_threshold": 0.99999}`, astronaut))
	require.Equal(t, http.StatusOK, code, raw)
	assert.Equal(t, `{"msg":"","results":[{"data":[],"path":""}],"status":"000"}`, raw, "0.99978 is below the threshold asked for")

	code, r, _ := ts.post(t, "/predict/pyramidbox_lite_mobile_mask", jsonType, fmt.Sprintf(`{"images": [%q], "shrink": 0.3}`, astronaut))
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, r.Msg, "the module is served with shrink 0.5")
	code, r, _ = ts.post(t, "/predict/pyramidbox_lite_mobile_mask", jsonType, fmt.Sprintf(`{"images": [%q], "shrink": 0.5, "visualization": false}`, astronaut))
	assert.Equal(t, http.StatusOK, code, r.Msg)
}

// TestServeDetectionVisualized: with visualization in predict_args every picture is drawn
// under output_dir and the answer names the file, unless the request turns it off.
func TestServeDetectionVisualized(t *testing.T) {
	h := installed(t, "ssd_mobilenet_v1_pascal")
	_, dog := sharedImage(t, "pld_dog.jpg")
	out := t.TempDir()
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "ssd_mobilenet_v1_pascal",
		PredictArgs: map[string]any{"visualization": true, "output_dir": out}}}, Workers: 1}, h, nil)

	var got []struct {
		Data     []map[string]any
		SavePath string `json:"save_path"`
	}
	code, r, raw := ts.post(t, "/predict/ssd_mobilenet_v1_pascal", jsonType, fmt.Sprintf(`{"images": [%q]}`, dog))
	require.Equal(t, http.StatusOK, code, raw)
	results(t, r, &got)
	require.Len(t, got, 1)
	assert.Equal(t, out, filepath.Dir(got[0].SavePath))
	assert.Equal(t, ".jpg", filepath.Ext(got[0].SavePath))
	data, err := os.ReadFile(got[0].SavePath)
	require.NoError(t, err)
	_, err = picture.Decode(got[0].SavePath, data)
	assert.NoError(t, err)

	code, _, raw = ts.post(t, "/predict/ssd_mobilenet_v1_pascal", jsonType, fmt.Sprintf(`{"images": [%q], "visualization": false}`, dog))
	require.Equal(t, http.StatusOK, code, raw)
	assert.NotContains(t, raw, "save_path")
	code, r, _ = ts.post(t, "/predict/ssd_mobilenet_v1_pascal", jsonType, fmt.Sprintf(`{"images": [%q], "output_dir": "elsewhere"}`, dog))
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, r.Msg, "draws its pictures under "+out)
}
