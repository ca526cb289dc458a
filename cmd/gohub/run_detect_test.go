package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

// ssdModuleDir lays out PaddleHub's ssd_mobilenet_v1_pascal 2.x module around the seeded
// SSD model that real Paddle writes (scripts/oracle/ssd_seeded.py), or skips the test (fails
// under CI=true).
func ssdModuleDir(t *testing.T) string {
	t.Helper()
	base := settings.BuildModelsDir()
	if base == "" {
		base = filepath.Join("..", "..", "build", "models")
	}
	model := filepath.Join(base, "ssd_mobilenet_v1_pascal_seeded")
	entries, err := os.ReadDir(model)
	if err != nil {
		missingSeededModel(t, "SSD model", model)
	}
	labels, err := shared.Path("data", "images", "pascalvoc_label_list.txt")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "ssd_mobilenet_v1_pascal")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "ssd_mobilenet_v1_model"), 0o755))
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(model, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "ssd_mobilenet_v1_model", e.Name()), data, 0o644))
	}
	data, err := os.ReadFile(labels)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "label_file.txt"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "module.py"), []byte(
		"@moduleinfo(name=\"ssd_mobilenet_v1_pascal\", version=\"1.1.1\", type=\"cv/object_detection\",\n"+
			"    summary=\"SSD with backbone MobileNet_V1, trained with dataset Pasecal VOC.\", author=\"paddlepaddle\")\n"+
			"class SSDMobileNetv1(hub.Module):\n    pass\n"), 0o644))
	return dir
}

// TestRunDetectBinary installs ssd_mobilenet_v1_pascal (seeded weights) and runs it on
// photos with the built binary, as a user types it: text, JSON, visualisation, threshold.
func TestRunDetectBinary(t *testing.T) {
	src := ssdModuleDir(t)
	dog, err := shared.Path("data", "images", "pld_dog.jpg")
	if err != nil {
		t.Skipf("shared image absent: %v", err)
	}
	posedet, err := shared.Path("data", "images", "pld_posedet_demo.jpg") // a PNG
	if err != nil {
		t.Skipf("shared image absent: %v", err)
	}
	r := newRunner(t)
	res := r.run("install", src)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "Successfully installed ssd_mobilenet_v1_pascal-1.1.1")

	res = r.run("run", "ssd_mobilenet_v1_pascal", "--input_path", dog)
	require.Equal(t, 0, res.code, res.stderr)
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	t.Log(res.stdout)
	require.Equal(t, dog+": 4 objects", lines[0], "the seeded model's boxes above 0.5 (hub/detect checks them against Paddle)")
	require.Len(t, lines, 5)
	for _, l := range lines[1:] {
		assert.Regexp(t, `^  diningtable 0\.5\d{3} \(\d+\.\d, \d+\.\d, \d+\.\d, \d+\.\d\)$`, l)
	}
	assert.NoDirExists(t, filepath.Join(r.home, "detection_result"))

	out := filepath.Join(t.TempDir(), "shown")
	res = r.run("run", "ssd_mobilenet_v1_pascal", "--input_path", dog+","+posedet, "--visualization",
		"--output_dir", out, "--score_thresh", "0.3", "--output", "json", "--batch_size", "2")
	require.Equal(t, 0, res.code, res.stderr)
	var got []struct {
		Data []struct {
			Label                                string
			Confidence, Left, Top, Right, Bottom float64
		} `json:"data"`
		Path     string `json:"path"`
		SavePath string `json:"save_path"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &got), res.stdout)
	require.Len(t, got, 2)
	assert.Greater(t, len(got[0].Data), 4, "a lower threshold keeps more")
	for _, o := range got[0].Data {
		assert.GreaterOrEqual(t, o.Confidence, 0.3)
		assert.True(t, 0 <= o.Left && o.Left <= o.Right && 0 <= o.Top && o.Top <= o.Bottom, "%+v", o)
	}
	assert.Equal(t, []string{dog, posedet}, []string{got[0].Path, got[1].Path})
	assert.Equal(t, filepath.Join(out, "pld_dog.jpg"), got[0].SavePath)
	assert.Equal(t, filepath.Join(out, "pld_posedet_demo.png"), got[1].SavePath)
	assert.FileExists(t, got[0].SavePath)
	assert.FileExists(t, got[1].SavePath)

	bad := writeInput(t, "broken.jpg", "not an image")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--input_path", bad}, 2, bad},
		{[]string{"--input_path", dog, "--score_thresh", "1.5"}, 1, "--score_thresh 1.5: want a number from 0 to 1"},
		{[]string{"--input_path", dog, "--top_k", "3"}, 1, "--top_k is for image classification modules"},
		{[]string{"--input_path", dog, "--output", "xml"}, 1, `--output "xml"`},
		{nil, 1, "no input: give --input_path"},
	} {
		res = r.run(append([]string{"run", "ssd_mobilenet_v1_pascal"}, tt.args...)...)
		assert.Equal(t, tt.code, res.code, "%v: %s", tt.args, res.stderr)
		assert.Contains(t, res.stderr, tt.want, tt.args)
		assert.Empty(t, res.stdout, tt.args)
	}

	res = r.run("run", "--help")
	require.Equal(t, 0, res.code, res.stderr)
	for _, flag := range []string{"--score_thresh", "--visualization", "--output_dir", "ssd_mobilenet_v1_pascal"} {
		assert.Contains(t, res.stdout, flag)
	}
}

// missingSeededModel fails in CI (CI=true), where make test writes the seeded models before
// the Go tests, and skips elsewhere.
func missingSeededModel(t testing.TB, what, dir string) {
	t.Helper()
	msg := "no seeded " + what + " at " + dir + ": `make seeded-models` " +
		"(scripts/oracle/seeded_models.sh) has real Paddle write it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: make test writes it before the Go tests)")
	}
	t.Skip(msg)
}
